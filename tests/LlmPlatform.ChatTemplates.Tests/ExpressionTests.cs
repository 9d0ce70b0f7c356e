namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>Operators with Python's semantics: int vs float, floor division, chained comparisons, slicing.</summary>
public sealed class ExpressionTests
{
    [Fact]
    public void Arithmetic_keeps_python_int_and_float_rules() =>
        Assert.Equal(
            "3 -4 1 2 3.5 2.0 1024 2.5 2 3.0 0.5",
            Jinja.Render("{{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }} {{ 2 ** 10 }} {{ 1 + 1.5 }} {{ true + 1 }} {{ 7.5 // 2 }} {{ -7.5 % 2 }}"));

    [Fact]
    public void Plus_concatenates_strings_and_lists_and_tilde_concatenates_anything() =>
        Assert.Equal("ab a1None abab [1, 2] [0, 0, 0]", Jinja.Render("{{ 'a' + 'b' }} {{ 'a' ~ 1 ~ none }} {{ 'ab' * 2 }} {{ [1] + [2] }} {{ [0] * 3 }}"));

    [Fact]
    public void Adding_a_string_and_a_number_is_a_type_error()
    {
        var failure = Jinja.RenderFailure("{{ 'a' + 1 }}");
        Assert.Equal("TypeError", failure.ErrorType);
        Assert.Equal("can only concatenate str (not \"int\") to str", failure.Detail);
    }

    [Fact]
    public void Comparisons_chain_and_membership_works_on_strings_lists_and_dicts() =>
        Assert.Equal(
            "True False True True True True True True True True",
            Jinja.Render("{{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 1 == 1.0 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 'b' in 'abc' }} {{ 2 in [1,2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }} {{ not 1 == 2 }}"));

    [Fact]
    public void Slices_follow_python_including_negative_steps() =>
        Assert.Equal(
            "[4, 3, 2, 1] [2, 3, 4] el o [1, 3] cba [1, 2] [2, 3] []",
            Jinja.Render("{{ [1,2,3,4][::-1] }} {{ [1,2,3,4][1:] }} {{ 'hello'[1:3] }} {{ 'hello'[-1] }} {{ [1,2,3][::2] }} {{ 'abc'[::-1] }} {{ [1,2,3][:-1] }} {{ [1,2,3][-2:] }} {{ [1,2,3][5:] }}"));

    [Fact]
    public void Strings_index_by_code_point() =>
        Assert.Equal("2|b|😀", Jinja.Render("{{ s|length }}|{{ s[1] }}|{{ s[0] }}", """{"s": "😀b"}"""));

    [Fact]
    public void And_or_return_operands_and_a_conditional_without_else_is_empty() =>
        Assert.Equal("n||x b []", Jinja.Render("{{ 'y' if x else 'n' }}|{{ 'y' if x }}|{{ 0 or 'x' }} {{ 'a' and 'b' }} {{ none or [] }}", """{"x": false}"""));

    [Fact]
    public void Precedence_matches_jinja2() =>
        Assert.Equal("1|aB|ab|20|9|64", Jinja.Render("{{ -1 | abs }}|{{ 'a' ~ 'b' | upper }}|{{ 'a' 'b' }}|{{ {'a': {'b': [10, 20]}}.a.b.1 }}|{{ (1 + 2) * 3 }}|{{ 2 ** 3 ** 2 }}"));
}
