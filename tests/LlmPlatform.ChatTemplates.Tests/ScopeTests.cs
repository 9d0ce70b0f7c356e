namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>jinja2's scoping: a loop body is a fresh frame on every iteration, which is why templates use namespace().</summary>
public sealed class ScopeTests
{
    [Fact]
    public void Assignments_inside_a_loop_do_not_leak_out() =>
        Assert.Equal("1", Jinja.Render("{% set x = 1 %}{% for i in range(3) %}{% set x = x + i %}{% endfor %}{{ x }}"));

    [Fact]
    public void Assignments_inside_a_loop_do_not_survive_to_the_next_iteration() =>
        Assert.Equal("[a][][]", Jinja.Render("{% for i in range(3) %}{% if i == 0 %}{% set x = 'a' %}{% endif %}[{{ x }}]{% endfor %}"));

    [Fact]
    public void Namespace_attributes_carry_state_out_of_a_loop() =>
        Assert.Equal("6", Jinja.Render("{% set ns = namespace(total=0) %}{% for i in range(4) %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }}"));

    [Fact]
    public void Namespace_accepts_a_dict_and_keyword_arguments() =>
        Assert.Equal("12", Jinja.Render("{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns.b }}"));

    [Fact]
    public void Block_set_captures_rendered_text() =>
        Assert.Equal("HELLO ANN", Jinja.Render("{% set greeting %}Hello {{ name }}{% endset %}{{ greeting | upper }}", """{"name": "Ann"}"""));

    [Fact]
    public void Set_unpacks_a_tuple() =>
        Assert.Equal("21", Jinja.Render("{% set a, b = 1, 2 %}{{ b }}{{ a }}"));

    [Fact]
    public void Top_level_set_shadows_a_context_variable() =>
        Assert.Equal("b", Jinja.Render("{% set messages = messages[1:] %}{{ messages[0] }}", """{"messages": ["a", "b"]}"""));

    [Fact]
    public void Only_namespaces_accept_attribute_assignment()
    {
        var failure = Jinja.RenderFailure("{% set x = 1 %}{% set x.y = 2 %}");
        Assert.Equal("TemplateRuntimeError", failure.ErrorType);
        Assert.Equal("cannot assign attribute on non-namespace object", failure.Detail);
    }

    [Fact]
    public void Generation_blocks_render_their_body_in_a_frame_of_their_own() =>
        Assert.Equal(
            "<user>\nhi\n[]\n<assistant>\nyo[]\n",
            Jinja.Render(
                "{% for m in messages %}<{{ m.role }}>\n{% if m.role == 'assistant' %}\n{% generation %}\n{{ m.content }}{% set x = 1 %}\n{% endgeneration %}\n{% else %}\n{{ m.content }}\n{% endif %}\n[{{ x }}]\n{% endfor %}",
                """{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}"""));
}
