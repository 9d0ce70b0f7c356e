namespace LlmPlatform.ChatTemplates.Tests;

public sealed class GlobalsTests
{
    [Fact]
    public void Raise_exception_reports_exactly_the_templates_message()
    {
        var raised = Assert.Throws<ChatTemplateRaisedException>(() => Jinja.Render(
            "{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('Tool messages are not supported: ' ~ m.name) }}{% endif %}{% endfor %}",
            """{"messages": [{"role": "user"}, {"role": "tool", "name": "calc"}]}"""));
        Assert.Equal("Tool messages are not supported: calc", raised.Message);
    }

    [Fact]
    public void Strftime_now_formats_the_clock_with_python_codes() =>
        Assert.Equal(
            "09 Mar 2025, March 9, 14:05:07, Sunday 25 03 068 02PM",
            Jinja.Render("{{ strftime_now('%d %b %Y, %B %-d, %H:%M:%S, %A %y %m %j %I%p') }}"));

    [Fact]
    public void Range_and_dict_are_available() =>
        Assert.Equal("[0, 1, 2] [1, 4, 7] [3, 2, 1]|{'a': 1}", Jinja.Render("{{ range(3) | list }} {{ range(1, 10, 3) | list }} {{ range(3, 0, -1) | list }}|{{ dict(a=1) }}"));

    [Fact]
    public void Context_variables_override_globals() =>
        Assert.Equal("mine", Jinja.Render("{{ range }}", """{"range": "mine"}"""));

    [Fact]
    public void All_exceptions_share_a_base_type()
    {
        Assert.IsAssignableFrom<ChatTemplateException>(Jinja.SyntaxFailure("{% for %}"));
        Assert.IsAssignableFrom<ChatTemplateException>(Jinja.RenderFailure("{{ 1 / 0 }}"));
        Assert.IsAssignableFrom<ChatTemplateException>(Assert.Throws<ChatTemplateRaisedException>(() => Jinja.Render("{{ raise_exception('x') }}")));
    }
}
