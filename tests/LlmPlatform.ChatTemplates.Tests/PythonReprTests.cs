namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>Printed values look like Python's str(): the output of templates that print a list or a bool depends on it.</summary>
public sealed class PythonReprTests
{
    [Fact]
    public void Lists_and_dicts_print_as_python_literals() =>
        Assert.Equal("[1, 'a', None, True, 1.5, {'k': (1,)}]", Jinja.Render("{{ [1, 'a', none, true, 1.5, {'k': (1,)}] }}"));

    [Fact]
    public void Constants_and_floats_print_as_python_does() =>
        Assert.Equal(
            "True None 1.0 1e+16 1e-05 100.0 -0.0 0.3333333333333333",
            Jinja.Render("{{ true }} {{ none }} {{ 1.0 }} {{ 1e16 }} {{ 0.00001 }} {{ 100.0 }} {{ -0.0 }} {{ 1/3 }}"));

    [Fact]
    public void String_repr_picks_quotes_and_escapes_like_python() =>
        Assert.Equal(
            "[\"it's\", 'say \"hi\"', 'tab\\there', 'back\\\\slash']",
            Jinja.Render("{{ [\"it's\", 'say \"hi\"', 'tab\\there', 'back\\\\slash'] }}"));

    [Fact]
    public void Tuples_print_with_python_commas() =>
        Assert.Equal("(1,) (1, 2) ()", Jinja.Render("{{ (1,) }} {{ (1, 2) }} {{ () }}"));

    [Fact]
    public void Non_ascii_stays_and_control_characters_are_escaped() =>
        Assert.Equal("['日本', 'é', '\\x00']", Jinja.Render("{{ ['日本', 'é', '\\x00'] }}"));

    [Fact]
    public void A_context_object_prints_in_key_order() =>
        Assert.Equal(
            "{'role': 'user', 'content': 'hi', 'n': 2, 'f': 2.5, 't': True, 'z': None}",
            Jinja.Render("{{ m }}", """{"m": {"role": "user", "content": "hi", "n": 2, "f": 2.5, "t": true, "z": null}}"""));
}
