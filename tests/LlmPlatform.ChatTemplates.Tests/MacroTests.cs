namespace LlmPlatform.ChatTemplates.Tests;

public sealed class MacroTests
{
    [Fact]
    public void Macros_take_defaults_and_keyword_arguments() =>
        Assert.Equal(
            "Hello, Ann! Hi, Bob!",
            Jinja.Render("{% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}!{% endmacro %}{{ greet('Ann') }} {{ greet('Bob', greeting='Hi') }}"));

    [Fact]
    public void Macros_can_call_themselves() =>
        Assert.Equal("3210", Jinja.Render("{% macro count(n) %}{{ n }}{% if n > 0 %}{{ count(n - 1) }}{% endif %}{% endmacro %}{{ count(3) }}"));

    [Fact]
    public void A_missing_argument_is_undefined() =>
        Assert.Equal("[]", Jinja.Render("{% macro f(a, b) %}[{{ b }}]{% endmacro %}{{ f(1) }}"));

    [Fact]
    public void Too_many_arguments_is_a_type_error() =>
        Assert.Equal(
            "macro 'f' takes not more than 1 argument(s)",
            Jinja.RenderFailure("{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}").Detail);

    [Fact]
    public void Endless_recursion_fails_instead_of_overflowing_the_stack() =>
        Assert.Equal("RecursionError", Jinja.RenderFailure("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}").ErrorType);
}
