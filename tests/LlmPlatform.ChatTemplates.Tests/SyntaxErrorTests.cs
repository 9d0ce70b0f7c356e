namespace LlmPlatform.ChatTemplates.Tests;

public sealed class SyntaxErrorTests
{
    [Fact]
    public void An_unclosed_for_names_the_block_and_where_it_opened()
    {
        var error = Jinja.SyntaxFailure("Hello\n{% for m in messages %}\n{{ m.content }}");
        Assert.Contains("'for' block opened at line 2, column 1 was never closed", error.Message);
        Assert.Contains("'endfor'", error.Message);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void An_unknown_tag_is_reported_with_its_position()
    {
        var error = Jinja.SyntaxFailure("ok\n  {% include 'other.jinja' %}");
        Assert.Equal("Encountered unknown tag 'include'", error.Problem);
        Assert.Equal((2, 6), (error.Line, error.Column));
    }

    [Fact]
    public void A_stray_end_tag_says_what_was_expected() =>
        Assert.Contains("expected 'endfor' or 'else'", Jinja.SyntaxFailure("{% for x in y %}{% endif %}").Message);

    [Fact]
    public void An_unknown_filter_fails_at_parse_time_like_jinja2() =>
        Assert.Equal("No filter named 'nosuch'", Jinja.SyntaxFailure("{{ x | nosuch }}").Problem);

    [Fact]
    public void An_unknown_test_fails_at_parse_time_like_jinja2() =>
        Assert.Equal("No test named 'nosuch'", Jinja.SyntaxFailure("{{ x is nosuch }}").Problem);

    [Theory]
    [InlineData("{{ 'unterminated }}", "Unterminated string literal")]
    [InlineData("{{ x $ y }}", "Unexpected char '$'")]
    [InlineData("{{ x", "Unexpected end of template, expected end of print statement ('}}') for the tag opened here")]
    [InlineData("{{ }}", "Expected an expression, got end of print statement")]
    [InlineData("{% if x %}{% break %}{% endif %}", "'break' outside of a loop")]
    [InlineData("{{ (1 }}", "Unexpected '}', expected ')'")]
    [InlineData("{% for x in y recursive %}{% endfor %}", "Recursive for loops are not supported")]
    public void Malformed_templates_are_rejected_with_a_reason(string template, string problem) =>
        Assert.Equal(problem, Jinja.SyntaxFailure(template).Problem);

    [Fact]
    public void The_message_carries_line_and_column()
    {
        var error = Jinja.SyntaxFailure("a\nb\n  {{ x | nosuch }}");
        Assert.Equal("No filter named 'nosuch' (line 3, column 8)", error.Message);
    }

    [Fact]
    public void Absurd_nesting_is_a_syntax_error_not_a_crashed_process() =>
        Assert.Equal("Template nests too deeply", Jinja.SyntaxFailure("{{ " + new string('(', 100_000) + "1" + new string(')', 100_000) + " }}").Problem);

    [Fact]
    public void An_unknown_filter_guarded_by_an_if_fails_only_when_rendered()
    {
        var template = ChatTemplate.Parse("{% if fancy %}{{ x | nosuch }}{% endif %}ok");
        Assert.Equal("ok", template.Render(new System.Text.Json.Nodes.JsonObject { ["fancy"] = false }));
        var failure = Assert.Throws<ChatTemplateRenderException>(() => template.Render(new System.Text.Json.Nodes.JsonObject { ["fancy"] = true }));
        Assert.Equal("No filter named 'nosuch' found.", failure.Detail);
    }

    [Fact]
    public void An_unknown_filter_in_a_loop_inside_an_if_is_still_a_syntax_error() =>
        Assert.Equal("No filter named 'nosuch'", Jinja.SyntaxFailure("{% if x %}{% for i in y %}{{ i | nosuch }}{% endfor %}{% endif %}").Problem);
}
