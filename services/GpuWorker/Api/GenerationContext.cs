using System.Diagnostics;
using System.Net.ServerSentEvents;
using System.Text;
using LlmPlatform.Engine.Output;
using LlmPlatform.Engine.Sampling;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Scheduling;
using LlmPlatform.ServiceDefaults;
using LlmPlatform.OpenAi;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// What both generation endpoints do around the engine: the response id from <c>X-Request-Id</c>, the checks that do
/// not depend on the endpoint (model, stream options, token ids, the context window), sampling settings turned into
/// 400s when out of range, logprobs in OpenAI's words, and the span that covers the request's time in the engine.
/// </summary>
internal sealed class GenerationContext(HttpContext http, ServedModel model, EngineHost host)
{
    public const string RequestIdHeader = "X-Request-Id";

    private static readonly ActivitySource Source = new(PlatformTelemetry.Worker);

    public ServedModel Model => model;

    public EngineHost Host => host;

    public CancellationToken Aborted => http.RequestAborted;

    public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>
    /// The caller's <c>X-Request-Id</c>, or a new one; it is returned in the same header and names the response
    /// (<c>cmpl-…</c>, <c>chatcmpl-…</c>) as vLLM does. Engine requests get ids of their own, so two clients sending
    /// the same header never collide in the engine.
    /// </summary>
    public string RequestId(string prefix)
    {
        var given = http.Request.Headers[RequestIdHeader].ToString();
        var id = string.IsNullOrWhiteSpace(given) ? Guid.NewGuid().ToString("N") : given;
        http.Response.Headers[RequestIdHeader] = id;
        return $"{prefix}-{id}";
    }

    /// <summary>A 404 unless the request names this worker's model (or none, which means it).</summary>
    public IResult? CheckModel(string? requested) => requested is null || requested == model.Name ? null : OpenAiError.ModelNotFound(requested);

    /// <summary>OpenAI's limit on choices per prompt; each choice holds KV blocks of its own while it decodes.</summary>
    public const int MaxChoices = 128;

    /// <summary>The checks on fields both endpoints share that no single field's range covers.</summary>
    public static IResult? CheckShared(GenerationRequestBody request)
    {
        if (request.N is > MaxChoices)
        {
            return OpenAiError.BadRequest($"n must be at most {MaxChoices}.", "n");
        }

        return request.StreamOptions is not null && !request.Stream
            ? OpenAiError.BadRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options")
            : null;
    }

    /// <summary>
    /// Ids the model cannot embed would fail the engine step, and ids in its padded rows past the tokenizer cannot
    /// be decoded nor sampled (<see cref="EngineHost.Vocabulary"/>), so both are refused here.
    /// </summary>
    public IResult? CheckTokenIds(IReadOnlyList<int> ids, string param)
    {
        var vocabulary = host.Vocabulary;
        foreach (var id in ids)
        {
            if (id < 0 || id >= vocabulary)
            {
                return OpenAiError.BadRequest($"Token id {id} is out of range: the vocabulary has {vocabulary} tokens.", param);
            }
        }

        return null;
    }

    /// <summary>vLLM's and OpenAI's check: the prompt and the tokens asked for must fit the context window together.</summary>
    public IResult? CheckContextWindow(int promptTokens, int maxTokens, string promptParam)
    {
        if (promptTokens == 0)
        {
            return OpenAiError.BadRequest("The prompt is empty: it must have at least one token.", promptParam);
        }

        var window = host.MaxModelLen;
        return promptTokens + (long)maxTokens > window
            ? OpenAiError.BadRequest(
                $"This model's maximum context length is {window} tokens. However, you requested {promptTokens + (long)maxTokens} tokens " +
                $"({promptTokens} in the {promptParam}, {maxTokens} in the completion). Please reduce the length of the {promptParam} or completion.",
                promptParam, "context_length_exceeded")
            : null;
    }

    /// <summary>The engine's settings, or the 400 that names the field out of range.</summary>
    public static (SamplingParams? Sampling, IResult? Error) Sampling(GenerationRequestBody request, int maxTokens, int? logprobs)
    {
        try
        {
            return (SamplingFields.From(request, maxTokens, logprobs), null);
        }
        catch (ArgumentException e)
        {
            var message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            return (null, OpenAiError.BadRequest(message, e.ParamName));
        }
    }

    public IResult? CheckLogitBias(SamplingParams sampling) => CheckTokenIds(sampling.LogitBias.Keys.ToList(), "logit_bias");

    /// <summary>Prefix-cache blocks are shared only between requests with the same model and salt (ARCHITECTURE.md).</summary>
    public PrefixHashSeed HashSeed(GenerationRequestBody request) => new(model.Name, request.CacheSalt ?? "");

    public Activity? StartSpan(string operation, string responseId, int prompts, int choices)
    {
        var span = Source.StartActivity($"{operation} {model.Name}");
        span?.SetTag("gen_ai.operation.name", operation);
        span?.SetTag("gen_ai.request.model", model.Name);
        span?.SetTag("gen_ai.response.id", responseId);
        span?.SetTag("llm.prompts", prompts);
        span?.SetTag("llm.choices", choices);
        return span;
    }

    /// <summary>Tags the span with what the request cost, once it is done (OpenTelemetry's gen_ai names).</summary>
    public static void RecordUsage(Activity? span, Usage usage)
    {
        span?.SetTag("gen_ai.usage.input_tokens", usage.PromptTokens);
        span?.SetTag("gen_ai.usage.output_tokens", usage.CompletionTokens);
        span?.SetTag("llm.usage.cached_tokens", usage.PromptTokensDetails.CachedTokens);
    }

    /// <summary>What a client is told when the engine loop fails under its request.</summary>
    public static string EngineFailure(Exception error) => $"The engine failed while generating: {error.Message}";

    /// <summary>
    /// The server-sent events of a streamed generation: one per engine update that <paramref name="chunk"/> turns into
    /// JSON (null: nothing to send yet), then the usage chunk when <paramref name="usageChunk"/> is given, then
    /// <c>[DONE]</c>. The 200 and earlier chunks are out by the time the engine could fail, so a failure goes as one
    /// last error event, as vLLM sends it.
    /// </summary>
    public async IAsyncEnumerable<SseItem<string>> EventsAsync(EngineRun run, UsageCounter usage, Activity? span, Func<int, RequestOutput, string?> chunk,
        Func<Usage, string>? usageChunk)
    {
        await using var updates = run.ReadAllAsync(Aborted).GetAsyncEnumerator(Aborted);
        while (true)
        {
            string? data;
            var failed = false;
            try
            {
                if (!await updates.MoveNextAsync())
                {
                    break;
                }

                var (choice, prompt, output) = updates.Current;
                usage.Add(prompt, output);
                data = chunk(choice, output);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                data = OpenAiError.ServerErrorJson(EngineFailure(e));
                failed = true;
            }

            if (data is not null)
            {
                yield return new SseItem<string>(data);
            }

            if (failed)
            {
                break;
            }
        }

        RecordUsage(span, usage.Usage);
        if (usageChunk is not null)
        {
            yield return new SseItem<string>(usageChunk(usage.Usage));
        }

        yield return new SseItem<string>("[DONE]");
    }

    /// <summary>A token as text, for logprobs: its own decoding, special tokens included.</summary>
    public string TokenText(int id) => model.Tokenizer.Decode([id]);

    public ChatTokenLogprob ChatLogprob(SampledToken token) => new(
        TokenText(token.Token), token.Logprob, Bytes(TokenText(token.Token)),
        token.TopLogprobs.Select(t => new ChatTopLogprob(TokenText(t.Token), t.Logprob, Bytes(TokenText(t.Token)))).ToList());

    private static int[] Bytes(string text) => Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();
}
