namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>The Python str and dict methods templates call, and the sandbox's refusal of mutating ones.</summary>
public sealed class MethodTests
{
    [Fact]
    public void String_methods_behave_like_python() =>
        Assert.Equal(
            "a b|a|a\n|['a', 'b', '', 'c']|['a', 'b']|['a', 'b c']|['a b', 'c']|True|True|HELLO|a+b|2|2|a, b|answer|['ab', 'cd']",
            Jinja.Render(
                "{{ '  a b  '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\\n\\na\\n'.lstrip('\\n') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a b c'.rsplit(' ', 1) }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'Hello'.upper() }}|{{ 'a-b'.replace('-', '+') }}|{{ 'hello'.find('l') }}|{{ 'hello'.count('l') }}|{{ ', '.join(['a', 'b']) }}|{{ 'x</think>\\n\\nanswer'.split('</think>')[-1].lstrip('\\n') }}|{{ 'ab\\ncd'.splitlines() }}"));

    [Fact]
    public void Str_title_differs_from_the_title_filter() =>
        Assert.Equal("They'Re Bill'S|They're Bill's", Jinja.Render("{{ s.title() }}|{{ s|title }}", """{"s": "they're bill's"}"""));

    [Fact]
    public void Dict_methods_read_keys_values_and_items() =>
        Assert.Equal(
            "1 dflt None ['a', 'b'] [1, [2]] [('a', 1), ('b', [2])]",
            Jinja.Render("{{ d.get('a') }} {{ d.get('z', 'dflt') }} {{ d.get('z') }} {{ d.keys() | list }} {{ d.values() | list }} {{ d.items() | list }}", """{"d": {"a": 1, "b": [2]}}"""));

    [Fact]
    public void Attribute_access_prefers_the_dict_method_and_subscript_the_key() =>
        Assert.Equal("True|1", Jinja.Render("{{ d.items is callable }}|{{ d['items'] }}", """{"d": {"items": 1}}"""));

    [Fact]
    public void Mutating_a_list_is_refused_by_the_sandbox()
    {
        var failure = Jinja.RenderFailure("{% set l = [1] %}{{ l.append(2) }}");
        Assert.Equal("SecurityError", failure.ErrorType);
        Assert.Equal("access to attribute 'append' of 'list' object is unsafe.", failure.Detail);
    }
}
