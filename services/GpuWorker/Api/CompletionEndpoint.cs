using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using LlmPlatform.Engine.Output;
using LlmPlatform.Engine.Sampling;
using LlmPlatform.OpenAi;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// <c>POST /v1/completions</c>: OpenAI's legacy completions with vLLM's extra sampling fields. A request may carry
/// several prompts (strings or token ids); each gets n choices, numbered prompt × n + choice.
/// </summary>
internal static class CompletionEndpoint
{
    /// <summary>OpenAI's and vLLM's default for completions (chat defaults to the rest of the context window).</summary>
    private const int DefaultMaxTokens = 16;

    public static async Task<IResult> HandleAsync(HttpContext http, ServedModel model, EngineHost host)
    {
        var (request, problem) = await RequestBody.ReadAsync(http.Request.Body, OpenAiJsonContext.Default.CompletionRequest, http.RequestAborted);
        if (request is null)
        {
            return OpenAiError.BadRequest(problem!);
        }

        var context = new GenerationContext(http, model, host);
        if ((context.CheckModel(request.Model) ?? GenerationContext.CheckShared(request) ?? CheckUnsupported(request)) is { } refused)
        {
            return refused;
        }

        if (request.Prompt is not { Count: > 0 } inputs)
        {
            return OpenAiError.BadRequest("'prompt' is required and must not be an empty list.", "prompt");
        }

        var maxTokens = request.MaxTokens ?? DefaultMaxTokens;
        var prompts = new List<IReadOnlyList<int>>();
        foreach (var input in inputs)
        {
            var ids = input.TokenIds ?? model.Tokenizer.Encode(input.Text!, request.AddSpecialTokens ?? true);
            if ((context.CheckTokenIds(ids, "prompt") ?? context.CheckContextWindow(ids.Count, maxTokens, "prompt")) is { } invalid)
            {
                return invalid;
            }

            prompts.Add(ids);
        }

        var (sampling, invalidSampling) = GenerationContext.Sampling(request, maxTokens, request.Logprobs);
        if ((invalidSampling ?? context.CheckLogitBias(sampling!)) is { } invalidSettings)
        {
            return invalidSettings;
        }

        var id = context.RequestId("cmpl");
        var run = new EngineRun(host.Engine, prompts, sampling!, context.HashSeed(request), request.Priority);
        var echoes = request.Echo ? inputs.Select((input, i) => input.Text ?? model.Tokenizer.Decode(prompts[i].ToArray())).ToList() : null;
        return request.Stream
            ? TypedResults.ServerSentEvents(StreamAsync(context, id, run, echoes, request.StreamOptions?.IncludeUsage == true, sampling!.Logprobs is not null, prompts.Count))
            : await CompleteAsync(context, id, run, echoes, sampling!.Logprobs is not null, prompts.Count);
    }

    private static IResult? CheckUnsupported(CompletionRequest request)
    {
        if (request.Suffix is not null)
        {
            return OpenAiError.BadRequest("'suffix' is not supported.", "suffix", "unsupported_feature");
        }

        if (request.BestOf is { } bestOf && bestOf != (request.N ?? 1))
        {
            return OpenAiError.BadRequest("'best_of' other than n is not supported.", "best_of", "unsupported_feature");
        }

        return request.Echo && request.Logprobs is not null
            ? OpenAiError.BadRequest("'echo' together with 'logprobs' is not supported: prompt logprobs are not computed.", "echo", "unsupported_feature")
            : null;
    }

    private static async Task<IResult> CompleteAsync(GenerationContext context, string id, EngineRun run, List<string>? echoes, bool logprobs, int prompts)
    {
        using var span = context.StartSpan("text_completion", id, prompts, run.Choices);
        var choices = Enumerable.Range(0, run.Choices).Select(_ => new ChoiceText(logprobs)).ToArray();
        var usage = new UsageCounter(prompts);
        try
        {
            await foreach (var (choice, prompt, output) in run.ReadAllAsync(context.Aborted))
            {
                usage.Add(prompt, output);
                choices[choice].Add(context, output);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return OpenAiError.ServerError(GenerationContext.EngineFailure(e));
        }

        var n = run.Choices / prompts;
        GenerationContext.RecordUsage(span, usage.Usage);
        return TypedResults.Json(
            new Completion(id, context.Created, context.Model.Name,
                choices.Select((c, i) => new CompletionChoice(i, (echoes?[i / n] ?? "") + c.Text, c.Logprobs, c.FinishReason)).ToList(), usage.Usage),
            OpenAiJsonContext.Default.Completion);
    }

    private static async IAsyncEnumerable<SseItem<string>> StreamAsync(GenerationContext context, string id, EngineRun run, List<string>? echoes, bool includeUsage, bool logprobs,
        int prompts)
    {
        using var span = context.StartSpan("text_completion", id, prompts, run.Choices);
        var offsets = new int[run.Choices];
        var started = new bool[run.Choices];
        var n = run.Choices / prompts;
        string? Chunk(int choice, RequestOutput output)
        {
            var text = (started[choice] ? "" : echoes?[choice / n] ?? "") + output.Text;
            started[choice] = true;
            var choiceLogprobs = logprobs ? ChoiceText.Of(context, output.Logprobs, offsets[choice] + text.Length - output.Text.Length) : null;
            offsets[choice] += text.Length;
            return text.Length == 0 && output.FinishReason is null && choiceLogprobs is null
                ? null
                : Serialize(new Completion(id, context.Created, context.Model.Name, [new CompletionChoice(choice, text, choiceLogprobs, output.FinishReason)], null));
        }

        var usageChunk = includeUsage ? usage => Serialize(new Completion(id, context.Created, context.Model.Name, [], usage)) : (Func<Usage, string>?)null;
        await foreach (var item in context.EventsAsync(run, new UsageCounter(prompts), span, Chunk, usageChunk))
        {
            yield return item;
        }
    }

    private static string Serialize(Completion completion) => JsonSerializer.Serialize(completion, OpenAiJsonContext.Default.Completion);

    /// <summary>One choice's text, logprobs and finish reason as its updates arrive (non-streaming responses).</summary>
    private sealed class ChoiceText(bool logprobs)
    {
        private readonly StringBuilder text = new();
        private readonly List<SampledToken> tokens = [];
        private readonly List<int> offsets = [];

        public string Text => text.ToString();

        public string? FinishReason { get; private set; }

        public CompletionLogprobs? Logprobs { get; private set; }

        public void Add(GenerationContext context, RequestOutput output)
        {
            foreach (var token in output.Logprobs)
            {
                tokens.Add(token);
                offsets.Add(text.Length);
            }

            text.Append(output.Text);
            if (output.Finished)
            {
                FinishReason = output.FinishReason;
                Logprobs = logprobs ? Build(context, tokens, offsets) : null;
            }
        }

        /// <summary>The logprobs of one streamed update, its tokens starting at <paramref name="offset"/> in the choice's text.</summary>
        public static CompletionLogprobs? Of(GenerationContext context, IReadOnlyList<SampledToken> tokens, int offset) =>
            tokens.Count == 0 ? null : Build(context, tokens, tokens.Select(_ => offset).ToList());

        private static CompletionLogprobs Build(GenerationContext context, IReadOnlyList<SampledToken> tokens, IReadOnlyList<int> offsets) => new(
            tokens.Select(t => context.TokenText(t.Token)).ToList(),
            tokens.Select(t => t.Logprob).ToList(),
            tokens.Select(t => t.TopLogprobs.GroupBy(top => context.TokenText(top.Token)).ToDictionary(g => g.Key, g => g.First().Logprob)).ToList(),
            offsets);
    }
}
