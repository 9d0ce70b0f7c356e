namespace LlmPlatform.ChatTemplates.Tests;

public sealed class FilterTests
{
    private const string Messages = """
        {"messages": [
            {"role": "system", "content": "s"},
            {"role": "user", "content": "u1", "name": "n"},
            {"role": "user", "content": "u2"}
        ]}
        """;

    [Fact]
    public void String_filters_follow_jinja2() =>
        Assert.Equal(
            "Hello World|ABC|abc|Hello world|Hello-World Foo(Bar) They're",
            Jinja.Render("{{ ' Hello World '|trim }}|{{ 'abc'|upper }}|{{ 'ABC'|lower }}|{{ 'hELLO wORLD'|capitalize }}|{{ 'hello-world foo(bar) they\\'re'|title }}"));

    [Fact]
    public void Default_replaces_undefined_and_with_boolean_any_falsy_value() =>
        Assert.Equal("x||x|n", Jinja.Render("{{ missing | default('x') }}|{{ '' | default('x') }}|{{ '' | default('x', true) }}|{{ none | d('n', boolean=true) }}"));

    [Fact]
    public void Join_prints_items_with_str_and_can_pick_an_attribute() =>
        Assert.Equal(
            "1, None, a|a/b|3|3",
            Jinja.Render(
                "{{ [1, none, 'a'] | join(', ') }}|{{ users | join('/', attribute='name') }}|{{ [1,2,3]|length }}|{{ 'abc'|count }}",
                """{"users": [{"name": "a"}, {"name": "b"}]}"""));

    [Fact]
    public void Selectattr_and_rejectattr_filter_with_tests() =>
        Assert.Equal(
            "u1,u2|['system', 'user']|1",
            Jinja.Render(
                "{{ messages | selectattr('role', 'equalto', 'user') | map(attribute='content') | join(',') }}|{{ messages | rejectattr('name', 'defined') | map(attribute='role') | list }}|{{ messages|selectattr('name')|list|length }}",
                Messages));

    [Fact]
    public void Select_and_reject_apply_a_test_to_each_item() =>
        Assert.Equal(
            "[1, 3]|['a', 'b']",
            Jinja.Render("{{ [1,2,3,4]|select('odd')|list }}|{{ ['a','code_interpreter','b']|reject('equalto','code_interpreter')|list }}"));

    [Fact]
    public void Map_reads_an_attribute_with_a_default_or_applies_a_filter() =>
        Assert.Equal(
            "[3, 0]|['A', 'B']",
            Jinja.Render("{{ users|map(attribute='age', default=0)|list }}|{{ ['a','b']|map('upper')|list }}", """{"users": [{"age": 3}, {}]}"""));

    [Fact]
    public void Sequence_filters_order_and_deduplicate_like_jinja2() =>
        Assert.Equal(
            "32|[3, 2, 1]|cba|['A', 'b', 'c']|[3, 2, 1]|[1, 2]|['a', 'b']|['a', 'b']|[('a', 1)]",
            Jinja.Render(
                "{{ [3,1,2]|first }}{{ [3,1,2]|last }}|{{ [1,2,3]|reverse|list }}|{{ 'abc'|reverse }}|{{ ['b','A','c']|sort }}|{{ [1,3,2]|sort(reverse=true) }}|{{ users|sort(attribute='n')|map(attribute='n')|list }}|{{ ['a','A','b','a']|unique|list }}|{{ 'ab'|list }}|{{ {'a':1}|items|list }}",
                """{"users": [{"n": 2}, {"n": 1}]}"""));

    [Fact]
    public void Number_filters_convert_and_round_like_python() =>
        Assert.Equal(
            "42|7|12|31|3.0|0.0|3|2.5|2.0|4.0|2.67|3.0|5|1200",
            Jinja.Render(
                "{{ '42.23'|int }}|{{ 'abc'|int(7) }}|{{ ' 12 '|int }}|{{ '0x1F'|int(base=16) }}|{{ '3'|float }}|{{ 'x'|float }}|{{ -3|abs }}|{{ -2.5|abs }}|{{ 2.5|round }}|{{ 3.5|round }}|{{ 2.675|round(2) }}|{{ 3.7|round(0, 'floor') }}|{{ 5|round }}|{{ 1234|round(-2) }}"));

    [Fact]
    public void Escape_only_happens_when_asked_for() =>
        Assert.Equal(
            "a+b+c|a+b-c|None|5|&lt;a href=&#34;x&#34;&gt;&#39;&amp;&#39;&lt;/a&gt;|<b>",
            Jinja.Render("{{ 'a-b-c'|replace('-', '+') }}|{{ 'a-b-c'|replace('-', '+', 1) }}|{{ none|string }}|{{ 5|safe }}|{{ '<a href=\"x\">\\'&\\'</a>'|e }}|{{ '<b>' }}"));

    [Fact]
    public void Indent_and_wordcount_follow_jinja2() =>
        Assert.Equal(
            "a\n    b\n\n    c|  a\n  b|a\n>\n>b|3",
            Jinja.Render("{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent(width='>', blank=true) }}|{{ 'one two, three'|wordcount }}"));

    [Fact]
    public void Sum_min_and_max_aggregate_like_jinja2() =>
        Assert.Equal(
            "6 1 b  7 2.5 {'a': 5}",
            Jinja.Render("{{ [3,1,2]|sum }} {{ [3,1,2]|min }} {{ ['b','A']|max }} {{ []|max }} {{ [{'a':2},{'a':5}]|sum(attribute='a') }} {{ [1.5]|sum(start=1) }} {{ [{'a':2},{'a':5}]|max(attribute='a') }}"));
}
