namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>
/// jinja2's default Undefined: it prints as nothing and tests as not defined, a missing key or index is
/// undefined, but using an undefined value (its attributes, arithmetic) fails with jinja2's message.
/// </summary>
public sealed class UndefinedTests
{
    [Fact]
    public void Missing_names_keys_and_indexes_render_empty() =>
        Assert.Equal(
            "[]False|False||0x||",
            Jinja.Render(
                "[{{ missing }}]{{ missing is defined }}|{{ d.missing }}{{ d.missing is defined }}{{ d['missing'] }}|{{ n.x }}|{{ missing | length }}{% for x in missing %}x{% endfor %}{{ missing ~ 'x' }}|{{ [1][5] }}|{% for x in [1] %}{{ loop.previtem }}{% endfor %}",
                """{"d": {}, "n": null}"""));

    [Theory]
    [InlineData("{{ missing.attr }}", "'missing' is undefined")]
    [InlineData("{{ d.missing.deeper }}", "'dict object' has no attribute 'missing'")]
    [InlineData("{{ missing + 1 }}", "'missing' is undefined")]
    [InlineData("{{ n.x.y }}", "'None' has no attribute 'x'")]
    public void Using_an_undefined_value_fails_with_jinja2s_message(string template, string message)
    {
        var failure = Jinja.RenderFailure(template, """{"d": {}, "n": null}""");
        Assert.Equal("UndefinedError", failure.ErrorType);
        Assert.Equal(message, failure.Detail);
    }

    [Fact]
    public void A_render_error_names_the_line_and_column_of_the_statement()
    {
        var failure = Jinja.RenderFailure("line one\n  {{ missing + 1 }}");
        Assert.Equal((2, 3), (failure.Line, failure.Column));
        Assert.Equal("UndefinedError: 'missing' is undefined (line 2, column 3)", failure.Message);
    }
}
