using System.Text.Json.Nodes;
using LlmPlatform.ChatTemplates;
using LlmPlatform.OpenAi;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// Chat messages checked, flattened and rendered with the chat template, for <c>/v1/chat/completions</c> and
/// <c>/tokenize</c> alike. Typed text parts are joined as <see cref="ChatContent"/> says, as vLLM does for templates
/// that expect string content; a template's raise_exception becomes a 400 carrying its message.
/// </summary>
internal static class ChatPrompt
{
    private static readonly HashSet<string> Roles = ["system", "developer", "user", "assistant", "tool"];

    /// <summary>The messages with every content as a string (or null), or the 400 naming the first bad one.</summary>
    public static (JsonArray? Messages, IResult? Error) Normalize(JsonArray? messages)
    {
        if (messages is not { Count: > 0 })
        {
            return (null, OpenAiError.BadRequest("'messages' is required and must not be empty.", "messages"));
        }

        var normalized = new JsonArray();
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is not JsonObject message)
            {
                return (null, OpenAiError.BadRequest($"messages[{i}] must be an object.", $"messages[{i}]"));
            }

            if (message["role"] is not JsonValue role || !role.TryGetValue<string>(out var name) || !Roles.Contains(name))
            {
                return (null, OpenAiError.BadRequest($"messages[{i}].role must be one of {string.Join(", ", Roles)}.", $"messages[{i}].role"));
            }

            var copy = (JsonObject)message.DeepClone();
            var (content, error) = Content(message["content"], i);
            if (error is not null)
            {
                return (null, error);
            }

            copy["content"] = content;
            normalized.Add(copy);
        }

        return (normalized, null);
    }

    private static (string? Content, IResult? Error) Content(JsonNode? content, int message)
    {
        switch (content)
        {
            case null:
                return (null, null);
            case JsonValue value when value.TryGetValue<string>(out var text):
                return (text, null);
            case JsonArray parts:
                var texts = new List<string>();
                for (var j = 0; j < parts.Count; j++)
                {
                    var param = $"messages[{message}].content[{j}]";
                    if (parts[j] is not JsonObject part || part["type"] is not JsonValue type || !type.TryGetValue<string>(out var kind))
                    {
                        return (null, OpenAiError.BadRequest($"{param} must be an object with a 'type'.", param));
                    }

                    if (kind != "text")
                    {
                        return (null, OpenAiError.BadRequest($"Content parts of type '{kind}' are not supported by this model; only 'text' is.", $"{param}.type", "unsupported_feature"));
                    }

                    if (part["text"] is not JsonValue partText || !partText.TryGetValue<string>(out var textValue))
                    {
                        return (null, OpenAiError.BadRequest($"{param}.text must be a string.", $"{param}.text"));
                    }

                    texts.Add(textValue);
                }

                return (ChatContent.JoinText(texts), null);
            default:
                return (null, OpenAiError.BadRequest($"messages[{message}].content must be a string or an array of content parts.", $"messages[{message}].content"));
        }
    }

    /// <summary>The rendered prompt, or the 400 for a template that cannot render these messages.</summary>
    public static (string? Prompt, IResult? Error) Render(ServedModel model, JsonArray messages, JsonArray? tools, bool addGenerationPrompt, JsonObject? kwargs,
        string? template, bool trustRequestTemplate)
    {
        if (template is not null && !trustRequestTemplate)
        {
            return (null, OpenAiError.BadRequest("Chat templates in requests are not accepted; start the server with --trust-request-chat-template true to allow them.", "chat_template"));
        }

        try
        {
            return (model.Chat.Render(messages, tools, addGenerationPrompt, kwargs, template), null);
        }
        catch (ChatTemplateRaisedException e)
        {
            return (null, OpenAiError.BadRequest(e.Message, "messages"));
        }
        catch (ChatTemplateException e)
        {
            return (null, OpenAiError.BadRequest($"The chat template could not be rendered: {e.Message}", "chat_template"));
        }
        catch (InvalidOperationException e)
        {
            return (null, OpenAiError.BadRequest(e.Message, "chat_template"));
        }
    }
}
