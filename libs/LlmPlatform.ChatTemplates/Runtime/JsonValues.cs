using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Converts the request's JSON into template values as Python's json.loads would: objects keep key
/// order, numbers written with a fraction or exponent are floats, the others ints.
/// </summary>
internal static class JsonValues
{
    public static object? From(JsonNode? node) => node switch
    {
        null => null,
        JsonObject obj => FromObject(obj),
        JsonArray array => array.Select(From).ToList(),
        JsonValue value => FromValue(value),
        _ => throw new ArgumentException($"Unsupported JSON node {node.GetType().Name}", nameof(node)),
    };

    public static PyDict FromObject(JsonObject obj)
    {
        var dict = new PyDict();
        foreach (var (key, value) in obj)
        {
            dict.Set(key, From(value));
        }

        return dict;
    }

    private static object? FromValue(JsonValue value) => value.GetValueKind() switch
    {
        JsonValueKind.String => value.GetValue<string>(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null => null,
        JsonValueKind.Number => FromNumber(value),
        var kind => throw new ArgumentException($"Unsupported JSON value kind {kind}", nameof(value)),
    };

    /// <summary>
    /// Types a number by its JSON spelling, as json.loads does: 1 is an int, 1.0 and 1e3 are floats.
    /// (A double built in C# serializes without its ".0", so it arrives as an int; JSON cannot say otherwise.)
    /// </summary>
    private static object FromNumber(JsonValue value)
    {
        var text = value.ToJsonString();
        var isInteger = !text.AsSpan().ContainsAny('.', 'e', 'E');
        return isInteger && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
            ? (object)integer
            : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }
}
