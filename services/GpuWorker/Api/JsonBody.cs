using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LlmPlatform.OpenAi;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// Reads a request body into its contract type, turning every way it can be wrong into OpenAI's 400: not JSON at all,
/// not an object, a field OpenAI does not know, or a field of the wrong type (named, with the type it should have).
/// The body is parsed in two passes, a document then the contract, so a syntax error is told apart from a type error
/// without looking inside System.Text.Json's exceptions.
/// </summary>
internal static class JsonBody
{
    public static async Task<(T? Request, IResult? Error)> ReadAsync<T>(HttpRequest http, JsonTypeInfo<T> type)
        where T : class
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Body, cancellationToken: http.HttpContext.RequestAborted);
        }
        catch (JsonException)
        {
            return (null, OpenAiError.BadRequest("We could not parse the JSON body of your request: it is not valid JSON."));
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, OpenAiError.BadRequest("The request body must be a JSON object."));
            }

            if (FirstUnknownField(document.RootElement, type) is { } unknown)
            {
                return (null, OpenAiError.BadRequest($"Unrecognized request argument supplied: {unknown}", unknown));
            }

            try
            {
                var request = document.RootElement.Deserialize(type);
                return request is null ? (null, OpenAiError.BadRequest("The request body must be a JSON object.")) : (request, null);
            }
            catch (JsonException e)
            {
                var field = e.Path is { Length: > 2 } path ? path[2..] : null;
                var expected = field is null ? null : ExpectedType(type, field);
                var message = field is null
                    ? "The request body does not match this endpoint's fields."
                    : $"Invalid type for '{field}'" + (expected is null ? "." : $": expected {expected}.");
                return (null, OpenAiError.BadRequest(message, field));
            }
        }
    }

    /// <summary>A top-level field the contract does not declare, if any (checked before binding so its name is exact).</summary>
    private static string? FirstUnknownField(JsonElement body, JsonTypeInfo type)
    {
        var known = type.Properties.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        return body.EnumerateObject().Select(p => p.Name).FirstOrDefault(name => !known.Contains(name));
    }

    /// <summary>What a field should hold, in JSON's words, from the contract's own metadata.</summary>
    private static string? ExpectedType(JsonTypeInfo type, string path)
    {
        var name = path.Split('.', '[')[0];
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
            _ when clr == typeof(System.Text.Json.Nodes.JsonArray) => "an array",
            _ when clr == typeof(System.Text.Json.Nodes.JsonObject) || clr == typeof(StreamOptions) => "an object",
            _ => null,
        };
    }
}
