namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>The "is" tests, with Python's type rules (a bool is a number but not an integer).</summary>
public sealed class BuiltinTestTests
{
    [Theory]
    [InlineData("x is defined", "False")]
    [InlineData("x is undefined", "True")]
    [InlineData("none is none", "True")]
    [InlineData("'a' is string", "True")]
    [InlineData("1.0 is number", "True")]
    [InlineData("true is number", "True")]
    [InlineData("true is integer", "False")]
    [InlineData("1.0 is integer", "False")]
    [InlineData("1.0 is float", "True")]
    [InlineData("{} is mapping", "True")]
    [InlineData("[] is mapping", "False")]
    [InlineData("'a' is iterable", "True")]
    [InlineData("none is iterable", "False")]
    [InlineData("'a' is sequence", "True")]
    [InlineData("1 is sequence", "False")]
    [InlineData("1 is boolean", "False")]
    [InlineData("1 is true", "False")]
    [InlineData("false is false", "True")]
    [InlineData("3 is odd", "True")]
    [InlineData("4 is even", "True")]
    [InlineData("9 is divisibleby 3", "True")]
    [InlineData("9 is divisibleby(4)", "False")]
    [InlineData("2 is in [1, 2]", "True")]
    [InlineData("'a' is eq 'a'", "True")]
    [InlineData("'a' is equalto 'b'", "False")]
    [InlineData("3 is gt 2", "True")]
    [InlineData("none is sameas none", "True")]
    [InlineData("x is not defined and 1 is not none", "True")]
    public void Tests_answer_like_jinja2(string expression, string expected) =>
        Assert.Equal(expected, Jinja.Render("{{ " + expression + " }}"));
}
