using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using LlmPlatform.Contracts.Tokenizer;
using LlmPlatform.OpenAi;
using TokenizerClient = LlmPlatform.Contracts.Tokenizer.Tokenizer.TokenizerClient;

namespace LlmPlatform.Router.Routing;

/// <summary>What the Router needs of a generation request to score workers: its model, cache salt and prompt ids.</summary>
public sealed record PromptKey(string Model, string CacheSalt, IReadOnlyList<int> TokenIds);

/// <summary>
/// The prompt of a completion or chat request in the served model's tokens, as the worker will see them: token ids
/// as given, text through the Tokenizer service (the same tokenizer library the workers run), chat through its chat
/// template. Null when the body cannot be read that way or the Tokenizer service is unreachable: the request is then
/// routed by load, and the worker answers any fault in the body itself.
/// </summary>
public sealed class PromptTokens(TokenizerClient tokenizer, ILogger<PromptTokens> logger)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    public async Task<PromptKey?> ReadAsync(HttpRequest request, bool chat, string servedModel, CancellationToken cancellation)
    {
        request.EnableBuffering();
        JsonObject? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellation) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        finally
        {
            request.Body.Position = 0;
        }

        if (body is null)
        {
            return null;
        }

        var model = Text(body["model"]) ?? servedModel;
        var salt = Text(body["cache_salt"]) ?? "";
        try
        {
            var ids = chat ? await ChatIds(body, model, cancellation) : await PromptIds(body["prompt"], model, cancellation);
            return ids is null ? null : new PromptKey(model, salt, ids);
        }
        catch (RpcException e)
        {
            Log.TokenizerUnavailable(logger, e.Status.Detail);
            return null;
        }
    }

    /// <summary>The first prompt's ids: several prompts in one request are routed together, by the first.</summary>
    private async Task<IReadOnlyList<int>?> PromptIds(JsonNode? prompt, string model, CancellationToken cancellation)
    {
        // A list that starts with a number is one prompt of token ids; any other list holds prompts.
        var first = prompt is JsonArray { Count: > 0 } list && list[0]?.GetValueKind() != JsonValueKind.Number ? list[0] : prompt;
        if (IsText(first))
        {
            var encoded = await tokenizer.EncodeAsync(new EncodeRequest { Model = model, Text = first!.GetValue<string>(), AddSpecialTokens = true },
                deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellation);
            return encoded.Ids;
        }

        return first is JsonArray ids && ids.All(id => id is JsonValue v && v.TryGetValue<int>(out _)) ? ids.Select(id => id!.GetValue<int>()).ToList() : null;
    }

    private static bool IsText(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out _);

    private async Task<IReadOnlyList<int>?> ChatIds(JsonObject body, string model, CancellationToken cancellation)
    {
        if (body["messages"] is not JsonArray messages)
        {
            return null;
        }

        var rendered = await tokenizer.RenderChatAsync(new RenderChatRequest
        {
            Model = model,
            MessagesJson = ChatContent.WithTextJoined(messages).ToJsonString(),
            ToolsJson = body["tools"]?.ToJsonString() ?? "",
            AddGenerationPrompt = body["add_generation_prompt"] is not JsonValue add || !add.TryGetValue<bool>(out var value) || value,
            Tokenize = true,
        }, deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellation);
        return rendered.Ids;
    }

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
