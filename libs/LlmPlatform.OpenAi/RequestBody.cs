using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace LlmPlatform.OpenAi;

/// <summary>Why a request body was refused, as OpenAI's 400 states it: the message and the field it names, if any.</summary>
public sealed record RequestProblem(string Message, string? Param = null);

/// <summary>
/// Reads a request body into its contract type, turning every way it can be wrong into OpenAI's 400: not JSON at all,
/// not an object, a field OpenAI does not know, or a field of the wrong type (named, with the type it should have).
/// The body is parsed in two passes, a document then the contract, so a syntax error is told apart from a type error
/// without looking inside System.Text.Json's exceptions. Each service turns the <see cref="RequestProblem"/> into its
/// own error result.
/// </summary>
public static class RequestBody
{
    public static async Task<(T? Request, RequestProblem? Problem)> ReadAsync<T>(Stream body, JsonTypeInfo<T> type, CancellationToken cancellation)
        where T : class
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, cancellationToken: cancellation);
        }
        catch (JsonException)
        {
            return (null, new RequestProblem("We could not parse the JSON body of your request: it is not valid JSON."));
        }

        using (document)
        {
            return Bind(document.RootElement, type);
        }
    }

    /// <summary>The contract from an already parsed body, or what is wrong with it.</summary>
    public static (T? Request, RequestProblem? Problem) Bind<T>(JsonElement body, JsonTypeInfo<T> type)
        where T : class
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            return (null, new RequestProblem("The request body must be a JSON object."));
        }

        // Checked before binding, so the unknown field's name is exact.
        var known = type.Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        if (body.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !known.Contains(name)) is { } unknown)
        {
            return (null, new RequestProblem($"Unrecognized request argument supplied: {unknown}", unknown));
        }

        try
        {
            var request = body.Deserialize(type);
            return request is null ? (null, new RequestProblem("The request body must be a JSON object.")) : (request, null);
        }
        catch (JsonException e)
        {
            // The top-level field is named, not the path inside it: the expected type is the field's, and so is the param.
            var field = e.Path is { Length: > 2 } path ? path[2..].Split('.', '[')[0] : null;
            var expected = field is null ? null : ExpectedType(type, field);
            var message = field is null
                ? "The request body does not match this endpoint's fields."
                : $"Invalid type for '{field}'" + (expected is null ? "." : $": expected {expected}.");
            return (null, new RequestProblem(message, field));
        }
    }

    /// <summary>What a field should hold, in JSON's words, from the contract's own metadata.</summary>
    private static string? ExpectedType(JsonTypeInfo type, string name)
    {
        var property = type.Properties.FirstOrDefault(p => p.Name == name);
        if (property is null)
        {
            return null;
        }

        if (property.CustomConverter is { } converter)
        {
            return converter switch
            {
                StringOrStringsConverter => "a string or an array of strings",
                PromptsConverter => "a string, an array of strings, an array of token ids or an array of arrays of token ids",
                _ => null,
            };
        }

        var clr = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        return clr switch
        {
            _ when clr == typeof(bool) => "a boolean",
            _ when clr == typeof(int) || clr == typeof(long) => "an integer",
            _ when clr == typeof(double) => "a number",
            _ when clr == typeof(string) => "a string",
            _ when clr == typeof(List<int>) => "an array of integers",
            _ when clr == typeof(Dictionary<string, double>) => "an object of numbers",
            _ when clr == typeof(JsonArray) => "an array",
            _ when clr == typeof(JsonObject) || clr == typeof(StreamOptions) => "an object",
            _ => null,
        };
    }
}
