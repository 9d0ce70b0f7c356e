namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>transformers' tojson is plain json.dumps(ensure_ascii=False): no HTML escaping, key order kept.</summary>
public sealed class ToJsonTests
{
    [Fact]
    public void Nested_values_use_python_separators_and_keep_key_order() =>
        Assert.Equal(
            "{\"b\": 1, \"a\": [1, 2.5, null, true], \"c\": {\"d\": \"é\\\"\\n\\u0001\"}}",
            Jinja.Render("{{ {'b': 1, 'a': [1, 2.5, none, true], 'c': {'d': 'é\"\\n\\u0001'}} | tojson }}"));

    [Fact]
    public void Indent_puts_one_item_per_line_and_keeps_empty_containers_inline() =>
        Assert.Equal(
            "{\n  \"a\": [\n    1,\n    {\n      \"b\": []\n    }\n  ],\n  \"c\": {}\n}",
            Jinja.Render("{{ {'a': [1, {'b': []}], 'c': {}} | tojson(indent=2) }}"));

    [Fact]
    public void Separators_and_sort_keys_are_honoured() =>
        Assert.Equal("{\"a\":2,\"b\":1}", Jinja.Render("{{ {'b': 1, 'a': 2} | tojson(separators=(',', ':'), sort_keys=true) }}"));

    [Fact]
    public void Html_characters_are_not_escaped() =>
        Assert.Equal("\"<tag>&'\"", Jinja.Render("{{ '<tag>&\\'' | tojson }}"));

    [Fact]
    public void Ensure_ascii_escapes_with_surrogate_pairs() =>
        Assert.Equal("\"\\u00e9\\ud83d\\ude00\"", Jinja.Render("{{ 'é😀' | tojson(ensure_ascii=true) }}"));

    [Fact]
    public void Json_numbers_keep_their_int_or_float_type() =>
        Assert.Equal(
            "[{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\": {\"x\": 1.0, \"y\": 10, \"z\": \"日本\"}}}]",
            Jinja.Render("{{ tools | tojson }}", """{"tools": [{"type": "function", "function": {"name": "f", "parameters": {"x": 1.0, "y": 10, "z": "日本"}}}]}"""));

    [Fact]
    public void Undefined_is_not_serializable() =>
        Assert.Equal("Object of type Undefined is not JSON serializable", Jinja.RenderFailure("{{ missing | tojson }}").Detail);
}
