using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using LlmPlatform.Contracts.Tokenizer;
using LlmPlatform.OpenAi;
using TokenizerClient = LlmPlatform.Contracts.Tokenizer.Tokenizer.TokenizerClient;

namespace LlmPlatform.Router.Routing;

/// <summary>What the Router needs of a generation request to score workers: its model, cache salt and prompt ids.</summary>
/// <param name="Lookup">How the ids were found: ids (given as ids), hit, prefix or miss (see <see cref="PromptTokens"/>).</param>
public sealed record PromptKey(string Model, string CacheSalt, IReadOnlyList<int> TokenIds, string Lookup);

/// <summary>A prompt's ids and how they were found.</summary>
internal readonly record struct FoundIds(IReadOnlyList<int> Ids, string Lookup);

/// <summary>
/// The prompt of a completion or chat request in the served model's tokens, as the worker will see them: token ids
/// as given, text through the Tokenizer service (the same tokenizer library the workers run), chat through its chat
/// template. Null when the body cannot be read that way or the Tokenizer service is unreachable: the request is then
/// routed by load, and the worker answers any fault in the body itself.
/// Tokenized prompts are remembered (<see cref="PromptTokenCache"/>): a repeated prompt costs no call, and a chat
/// whose leading messages were tokenized before (a conversation's next turn, a tenant's system prompt) is scored at
/// once on those leading messages' ids, while its own ids are fetched in the background for the turn after. Only
/// tokens the Router has seen can be cached on a worker, since every prompt went through it, so a score on the known
/// prefix is the score on the whole prompt; the prompt's length is then a lower bound, which costs the chooser
/// nothing, since it is the same for every worker.
/// </summary>
public sealed class PromptTokens(TokenizerClient tokenizer, PromptTokenCache cache, RouterMetrics metrics, ILogger<PromptTokens> logger)
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
            var ids = chat ? await ChatIds(body, model, salt, cancellation) : await PromptIds(body["prompt"], model, salt, cancellation);
            if (ids is not { } found)
            {
                return null;
            }

            if (found.Lookup != "ids")
            {
                metrics.PromptLookup(found.Lookup);
            }

            return new PromptKey(model, salt, found.Ids, found.Lookup);
        }
        catch (RpcException e)
        {
            Log.TokenizerUnavailable(logger, e.Status.Detail);
            return null;
        }
    }

    /// <summary>The first prompt's ids: several prompts in one request are routed together, by the first.</summary>
    private async Task<FoundIds?> PromptIds(JsonNode? prompt, string model, string salt, CancellationToken cancellation)
    {
        // A list that starts with a number is one prompt of token ids; any other list holds prompts.
        var first = prompt is JsonArray { Count: > 0 } list && list[0]?.GetValueKind() != JsonValueKind.Number ? list[0] : prompt;
        if (IsText(first))
        {
            var text = first!.GetValue<string>();
            var key = PromptCacheKey.Chain(PromptCacheKey.Seed(model, salt, "text"), text);
            if (cache.Get(key) is { } known)
            {
                return new FoundIds(known, "hit");
            }

            var encoded = await tokenizer.EncodeAsync(new EncodeRequest { Model = model, Text = text, AddSpecialTokens = true },
                deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellation);
            cache.Set(key, encoded.Ids);
            return new FoundIds(encoded.Ids, "miss");
        }

        return first is JsonArray ids && ids.All(id => id is JsonValue v && v.TryGetValue<int>(out _)) ? new FoundIds([.. ids.Select(id => id!.GetValue<int>())], "ids") : null;
    }

    private static bool IsText(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out _);

    private async Task<FoundIds?> ChatIds(JsonObject body, string model, string salt, CancellationToken cancellation)
    {
        if (body["messages"] is not JsonArray { Count: > 0 } sent)
        {
            return null;
        }

        var messages = ChatContent.WithTextJoined(sent);
        var generationPrompt = body["add_generation_prompt"] is not JsonValue add || !add.TryGetValue<bool>(out var value) || value;
        // Each message serialized once: for its key, and for the Tokenizer service (a prefix of the chat, or all of it).
        var messageJson = messages.Select(m => m!.ToJsonString()).ToArray();
        var chat = new ChatToRender(model, body["tools"]?.ToJsonString() ?? "", body["chat_template_kwargs"]?.ToJsonString() ?? "", messageJson);
        // Keys of the leading 1..n messages; the whole request's key also says whether the generation prompt follows.
        var keys = new PromptCacheKey[messageJson.Length];
        var parent = PromptCacheKey.Seed(model, salt, $"chat\n{chat.ToolsJson}\n{chat.KwargsJson}\n{body["chat_template"]?.ToJsonString()}");
        for (var i = 0; i < messageJson.Length; i++)
        {
            keys[i] = parent = PromptCacheKey.Chain(parent, messageJson[i]);
        }

        var whole = PromptCacheKey.Chain(keys[^1], generationPrompt ? "generation prompt" : "");
        if (cache.Get(whole) is { } known)
        {
            return new FoundIds(known, "hit");
        }

        for (var leading = messageJson.Length - 2; leading >= 0; leading--)
        {
            if (cache.Get(keys[leading]) is { } prefix)
            {
                InBackground(async () => Remember(await Render(chat, messageJson.Length, generationPrompt, CancellationToken.None), whole, keys[^1]));
                return new FoundIds(prefix, "prefix");
            }
        }

        var ids = await Render(chat, messageJson.Length, generationPrompt, cancellation);
        Remember(ids, whole, keys[^1]);
        if (messageJson.Length > 1)
        {
            // The first message alone (a tenant's system prompt, typically) for other conversations that start with it.
            InBackground(async () => Remember(await Render(chat, 1, false, CancellationToken.None), keys[0]));
        }

        return new FoundIds(ids, "miss");
    }

    private void Remember(IReadOnlyList<int> ids, params PromptCacheKey[] keys)
    {
        foreach (var key in keys)
        {
            cache.Set(key, ids);
        }
    }

    /// <summary>The ids of the chat's first <paramref name="count"/> messages through the model's template.</summary>
    private async Task<IReadOnlyList<int>> Render(ChatToRender chat, int count, bool generationPrompt, CancellationToken cancellation)
    {
        var rendered = await tokenizer.RenderChatAsync(new RenderChatRequest
        {
            Model = chat.Model,
            MessagesJson = $"[{string.Join(',', chat.MessageJson.Take(count))}]",
            ToolsJson = chat.ToolsJson,
            TemplateKwargsJson = chat.KwargsJson,
            AddGenerationPrompt = generationPrompt,
            Tokenize = true,
        }, deadline: DateTime.UtcNow + Deadline, cancellationToken: cancellation);
        return rendered.Ids;
    }

    /// <summary>Work for a later request: a failure only means that request is tokenized when it comes.</summary>
    private void InBackground(Func<Task> work) => _ = Task.Run(async () =>
    {
        try
        {
            await work();
        }
        catch (RpcException e)
        {
            Log.TokenizerUnavailable(logger, e.Status.Detail);
        }
    });

    private sealed record ChatToRender(string Model, string ToolsJson, string KwargsJson, IReadOnlyList<string> MessageJson);

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
