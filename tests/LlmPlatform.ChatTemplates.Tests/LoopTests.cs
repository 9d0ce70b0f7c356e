namespace LlmPlatform.ChatTemplates.Tests;

public sealed class LoopTests
{
    [Fact]
    public void Loop_variables_report_position_first_last_and_length() =>
        Assert.Equal(
            "10TrueFalse33|21FalseFalse32|32FalseTrue31|",
            Jinja.Render("{% for x in ['a','b','c'] %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }}|{% endfor %}"));

    [Fact]
    public void Previous_and_next_items_are_undefined_at_the_edges() =>
        Assert.Equal("-2;1-3;2-;", Jinja.Render("{% for x in [1,2,3] %}{{ loop.previtem }}-{{ loop.nextitem }};{% endfor %}"));

    [Fact]
    public void Else_runs_when_nothing_was_iterated() =>
        Assert.Equal("empty", Jinja.Render("{% for x in [] %}x{% else %}empty{% endfor %}"));

    [Fact]
    public void An_inline_filter_skips_items_and_the_loop_counts_only_the_rest() =>
        Assert.Equal("1,3,5,7,9", Jinja.Render("{% for x in range(10) if x is odd %}{{ x }}{{ ',' if not loop.last }}{% endfor %}"));

    [Fact]
    public void Tuple_targets_unpack_dict_items() =>
        Assert.Equal("a=1;b=2;", Jinja.Render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}"));

    [Fact]
    public void Break_and_continue_control_the_innermost_loop() =>
        Assert.Equal(
            "0134",
            Jinja.Render("{% for x in range(10) %}{% if x == 2 %}{% continue %}{% endif %}{% if x == 5 %}{% break %}{% endif %}{{ x }}{% endfor %}"));

    [Fact]
    public void Loop_cycle_alternates_its_arguments() =>
        Assert.Equal("abab", Jinja.Render("{% for x in range(4) %}{{ loop.cycle('a','b') }}{% endfor %}"));

    [Fact]
    public void Dicts_iterate_over_keys_and_strings_over_characters() =>
        Assert.Equal("ab[h][é]", Jinja.Render("{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}{% for c in 'hé' %}[{{ c }}]{% endfor %}"));

    [Fact]
    public void Iterating_none_is_a_type_error() =>
        Assert.Equal("TypeError", Jinja.RenderFailure("{% for x in tools %}{% endfor %}", """{"tools": null}""").ErrorType);
}
