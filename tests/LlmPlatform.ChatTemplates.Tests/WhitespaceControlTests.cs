namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>transformers renders with trim_blocks and lstrip_blocks; these are the rules every template's layout relies on.</summary>
public sealed class WhitespaceControlTests
{
    [Fact]
    public void Block_tags_on_their_own_lines_leave_no_trace() =>
        Assert.Equal("    hello\n", Jinja.Render("{% if true %}\n    hello\n{% endif %}\n"));

    [Fact]
    public void Minus_modifiers_strip_all_whitespace_on_their_side() =>
        Assert.Equal("abc", Jinja.Render("a  {%- if true -%}  b  {%- endif -%}  c"));

    [Fact]
    public void Minus_modifiers_on_expressions_strip_newlines_too() =>
        Assert.Equal("abc", Jinja.Render("a \n {{- 'b' -}} \n c"));

    [Fact]
    public void Lstrip_blocks_does_not_apply_to_expressions() =>
        Assert.Equal("  x", Jinja.Render("  {{ 'x' }}\n"));

    [Fact]
    public void Plus_before_a_block_keeps_its_indentation() =>
        Assert.Equal("  x", Jinja.Render("  {%+ if true %}x{% endif %}"));

    [Fact]
    public void Plus_after_a_block_keeps_the_following_newline() =>
        Assert.Equal("\nx", Jinja.Render("{% if true +%}\nx{% endif %}"));

    [Fact]
    public void Comments_on_their_own_lines_disappear() =>
        Assert.Equal("a\nb", Jinja.Render("a\n  {# note #}\nb"));

    [Fact]
    public void Exactly_one_trailing_newline_is_dropped() =>
        Assert.Equal("x\n", Jinja.Render("x\n\n"));

    [Fact]
    public void Windows_newlines_render_as_unix_newlines() =>
        Assert.Equal("a\nb", Jinja.Render("a\r\nb"));

    [Fact]
    public void Raw_blocks_are_not_evaluated() =>
        Assert.Equal("{{ not evaluated }}", Jinja.Render("{% raw %}{{ not evaluated }}{% endraw %}"));

    [Fact]
    public void Closing_delimiters_inside_brackets_do_not_end_the_tag() =>
        Assert.Equal("1", Jinja.Render("{{ {'a': {'b': 1}}.a.b }}"));
}
