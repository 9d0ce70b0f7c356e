using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmPlatform.Engine.Output;
using Microsoft.Extensions.Options;
using LlmPlatform.OpenAi;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// <c>POST /v1/chat/completions</c>: the messages rendered with the model's chat template, then generated like a
/// completion. Tool definitions reach the template; tool calls are not parsed out of the output (plain content), so
/// only tool_choice none and auto are accepted. max_tokens defaults to the rest of the context window, as in vLLM.
/// </summary>
internal static class ChatCompletionEndpoint
{
    public static async Task<IResult> HandleAsync(HttpContext http, ServedModel model, EngineHost host, IOptions<WorkerOptions> options)
    {
        var (request, problem) = await RequestBody.ReadAsync(http.Request.Body, OpenAiJsonContext.Default.ChatCompletionRequest, http.RequestAborted);
        if (request is null)
        {
            return OpenAiError.BadRequest(problem!);
        }

        var context = new GenerationContext(http, model, host);
        if ((context.CheckModel(request.Model) ?? GenerationContext.CheckShared(request) ?? CheckUnsupported(request)) is { } refused)
        {
            return refused;
        }

        var (messages, invalidMessages) = ChatPrompt.Normalize(request.Messages);
        if (messages is null)
        {
            return invalidMessages!;
        }

        var (prompt, renderError) = ChatPrompt.Render(model, messages, request.Tools, request.AddGenerationPrompt, request.ChatTemplateKwargs, request.ChatTemplate,
            options.Value.TrustRequestChatTemplate);
        if (prompt is null)
        {
            return renderError!;
        }

        var ids = model.Tokenizer.Encode(prompt, request.AddSpecialTokens);
        var maxTokens = request.MaxCompletionTokens ?? request.MaxTokens ?? Math.Max(1, host.MaxModelLen - ids.Length);
        if (context.CheckContextWindow(ids.Length, maxTokens, "messages") is { } tooLong)
        {
            return tooLong;
        }

        var (sampling, invalidSampling) = GenerationContext.Sampling(request, maxTokens, request.Logprobs ? request.TopLogprobs ?? 0 : null);
        if ((invalidSampling ?? context.CheckLogitBias(sampling!)) is { } invalidSettings)
        {
            return invalidSettings;
        }

        var id = context.RequestId("chatcmpl");
        var run = new EngineRun(host.Engine, [ids], sampling!, context.HashSeed(request), request.Priority);
        var echo = request.Echo && messages[^1] is JsonObject last && (string?)last["role"] == "assistant" ? (string?)last["content"] ?? "" : "";
        return request.Stream
            ? TypedResults.ServerSentEvents(StreamAsync(context, id, run, echo, request.StreamOptions?.IncludeUsage == true, request.Logprobs))
            : await CompleteAsync(context, id, run, echo, request.Logprobs);
    }

    private static IResult? CheckUnsupported(ChatCompletionRequest request)
    {
        if (request.TopLogprobs is { } top && (top < 0 || top > SamplingFields.MaxLogprobs))
        {
            return OpenAiError.BadRequest($"top_logprobs must be in [0, {SamplingFields.MaxLogprobs}].", "top_logprobs");
        }

        if (request.TopLogprobs is not null && !request.Logprobs)
        {
            return OpenAiError.BadRequest("'top_logprobs' requires 'logprobs' to be true.", "top_logprobs");
        }

        if (request.ToolChoice is { } choice && !(choice is JsonValue value && value.TryGetValue<string>(out var name) && name is "none" or "auto"))
        {
            return OpenAiError.BadRequest("Only tool_choice 'none' and 'auto' are supported: tool calls are not parsed from the output.", "tool_choice", "unsupported_feature");
        }

        return request.ResponseFormat is { } format && (string?)format["type"] != "text"
            ? OpenAiError.BadRequest("Only response_format {\"type\": \"text\"} is supported.", "response_format", "unsupported_feature")
            : null;
    }

    private static async Task<IResult> CompleteAsync(GenerationContext context, string id, EngineRun run, string echo, bool logprobs)
    {
        using var span = context.StartSpan("chat", id, 1, run.Choices);
        var texts = Enumerable.Range(0, run.Choices).Select(_ => new StringBuilder(echo)).ToArray();
        var tokens = Enumerable.Range(0, run.Choices).Select(_ => new List<ChatTokenLogprob>()).ToArray();
        var reasons = new string?[run.Choices];
        var usage = new UsageCounter(1);
        try
        {
            await foreach (var (choice, prompt, output) in run.ReadAllAsync(context.Aborted))
            {
                usage.Add(prompt, output);
                texts[choice].Append(output.Text);
                tokens[choice].AddRange(output.Logprobs.Select(context.ChatLogprob));
                reasons[choice] = output.FinishReason ?? reasons[choice];
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return OpenAiError.ServerError(GenerationContext.EngineFailure(e));
        }

        GenerationContext.RecordUsage(span, usage.Usage);
        var choices = texts.Select((text, i) => new ChatChoice(i, new ChatMessage("assistant", text.ToString()), logprobs ? new ChatLogprobs(tokens[i]) : null, reasons[i])).ToList();
        return TypedResults.Json(new ChatCompletion(id, context.Created, context.Model.Name, choices, usage.Usage), OpenAiJsonContext.Default.ChatCompletion);
    }

    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(GenerationContext context, string id, EngineRun run, string echo, bool includeUsage, bool logprobs)
    {
        using var span = context.StartSpan("chat", id, 1, run.Choices);
        // Every choice opens with the role, as OpenAI's first chunk does; echoed text rides along with it.
        for (var choice = 0; choice < run.Choices; choice++)
        {
            yield return new SseItem<string>(Chunk(context, id, [new ChatChunkChoice(choice, new ChatDelta("assistant", echo), null, null)]));
        }

        string? Delta(int choice, RequestOutput output)
        {
            var choiceLogprobs = logprobs && output.Logprobs.Count > 0 ? new ChatLogprobs(output.Logprobs.Select(context.ChatLogprob).ToList()) : null;
            return output.Text.Length == 0 && output.FinishReason is null && choiceLogprobs is null
                ? null
                : Chunk(context, id, [new ChatChunkChoice(choice, new ChatDelta(null, output.Text), choiceLogprobs, output.FinishReason)]);
        }

        var usageChunk = includeUsage ? usage => Chunk(context, id, [], usage) : (Func<Usage, string>?)null;
        await foreach (var item in context.EventsAsync(run, new UsageCounter(1), span, Delta, usageChunk))
        {
            yield return item;
        }
    }

    private static string Chunk(GenerationContext context, string id, IReadOnlyList<ChatChunkChoice> choices, Usage? usage = null) =>
        JsonSerializer.Serialize(new ChatCompletionChunk(id, context.Created, context.Model.Name, choices, usage), OpenAiJsonContext.Default.ChatCompletionChunk);
}
