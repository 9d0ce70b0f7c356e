using System.Text.Json.Nodes;

namespace LlmPlatform.OpenAi;

/// <summary>
/// How typed content parts become the string a chat template renders: text parts joined with newlines, vLLM's
/// "string" content format. One rule for the worker, which renders the prompt, and the Router, which must tokenize it
/// the same way to find it in the prefix index.
/// </summary>
public static class ChatContent
{
    public static string JoinText(IEnumerable<string> parts) => string.Join("\n", parts);

    /// <summary>A copy of <paramref name="messages"/> with every all-text parts array joined into one string.</summary>
    public static JsonArray WithTextJoined(JsonArray messages)
    {
        var copy = (JsonArray)messages.DeepClone();
        foreach (var message in copy.OfType<JsonObject>())
        {
            if (message["content"] is JsonArray parts && parts.All(IsTextPart))
            {
                message["content"] = JoinText(parts.Select(part => part!["text"]!.GetValue<string>()));
            }
        }

        return copy;
    }

    private static bool IsTextPart(JsonNode? part) =>
        part is JsonObject { } o && o["type"] is JsonValue type && type.TryGetValue<string>(out var kind) && kind == "text"
        && o["text"] is JsonValue text && text.TryGetValue<string>(out _);
}
