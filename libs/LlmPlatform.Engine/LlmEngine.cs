using System.Collections.Concurrent;
using System.Threading.Channels;
using System.Diagnostics;
using LlmPlatform.Engine.Metrics;
using LlmPlatform.Engine.Output;
using LlmPlatform.Engine.Sampling;
using LlmPlatform.Scheduling;
using LlmPlatform.Tokenizers;

namespace LlmPlatform.Engine;

/// <summary>
/// The engine loop: one dedicated thread owns the scheduler, the KV cache and the model. Requests arrive and aborts
/// are asked for through a command queue from any thread; each step schedules, runs the model, samples, detokenizes
/// incrementally, applies stop strings, and writes each request's updates to its own channel.
/// </summary>
public sealed class LlmEngine : IDisposable
{
    private readonly ModelRunner runner;
    private readonly Scheduler scheduler;
    private readonly HfTokenizer tokenizer;
    private readonly IReadOnlySet<int> eosTokenIds;
    private readonly BlockingCollection<Command> commands = new();
    private readonly Dictionary<long, ChoiceState> choices = [];
    private readonly Dictionary<string, List<long>> requests = [];
    private readonly Thread thread;
    private readonly CancellationTokenSource stopping = new();
    private readonly EngineMetrics? metrics;
    private long nextSequenceId;

    /// <summary>The batch being run, so that a failure ends exactly its requests.</summary>
    private ScheduledBatch? stepping;

    public LlmEngine(ModelRunner runner, Scheduler scheduler, HfTokenizer tokenizer, IEnumerable<int> eosTokenIds, EngineMetrics? metrics = null)
    {
        this.runner = runner;
        this.metrics = metrics;
        this.scheduler = scheduler;
        this.tokenizer = tokenizer;
        this.eosTokenIds = eosTokenIds.ToHashSet();
        thread = new Thread(Loop) { IsBackground = true, Name = "llm-engine" };
        thread.Start();
    }

    /// <summary>
    /// Raised on the engine thread after each step that changed the prefix cache, with the changes in order (for the
    /// Router's index). Handlers must be quick: the next step waits for them.
    /// </summary>
    public event Action<IReadOnlyList<KvCacheEvent>>? KvCacheChanged;

    /// <summary>
    /// Raised on the engine thread if a step fails. The requests of that step fail with the error (their blocks freed);
    /// the loop goes on serving the others, so one bad request cannot take the worker down.
    /// </summary>
    public event Action<Exception>? StepFailed;

    /// <summary>Queues a request; its updates (one per choice and step, the last one with a finish reason) arrive on the channel.</summary>
    public ChannelReader<RequestOutput> Submit(GenerationRequest request)
    {
        var channel = Channel.CreateUnbounded<RequestOutput>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        commands.Add(new Command(request, null, channel.Writer, Stopwatch.GetTimestamp()));
        return channel.Reader;
    }

    /// <summary>Ends a request at once (client gone): its blocks are freed on the next turn of the loop.</summary>
    public void Abort(string requestId) => commands.Add(new Command(null, requestId, null, Stopwatch.GetTimestamp()));

    private void Loop()
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                Turn();
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                StepFailed?.Invoke(e);
                Fail(e);
            }
        }
    }

    private void Turn()
    {
        if (!scheduler.HasUnfinished)
        {
            Apply(commands.Take(stopping.Token));
        }

        while (commands.TryTake(out var command))
        {
            Apply(command);
        }

        if (scheduler.HasUnfinished)
        {
            Step();
        }

        PublishKvEvents();
    }

    private void PublishKvEvents()
    {
        var events = scheduler.BlockManager.DrainEvents();
        if (events.Count > 0)
        {
            KvCacheChanged?.Invoke(events);
        }
    }

    /// <summary>
    /// Ends with <paramref name="error"/> every request the failed turn touched: those of the step's batch, or, when it
    /// failed outside a step, every request in flight, since which one caused it is unknown.
    /// </summary>
    private void Fail(Exception error)
    {
        var failed = stepping is { } batch
            ? batch.Sequences.Select(item => choices.GetValueOrDefault(item.Sequence.Id)?.RequestId).OfType<string>().Distinct().ToList()
            : [.. requests.Keys];
        stepping = null;
        foreach (var requestId in failed)
        {
            FailRequest(requestId, error);
        }

        PublishKvEvents();
    }

    private void FailRequest(string requestId, Exception error)
    {
        if (!requests.Remove(requestId, out var ids))
        {
            return;
        }

        foreach (var id in ids)
        {
            scheduler.Abort(id);
            if (choices.Remove(id, out var state))
            {
                state.Writer.TryComplete(error);
            }
        }
    }

    private void Apply(Command command)
    {
        if (command.Request is { } request)
        {
            try
            {
                Add(request, command.Writer!, command.Timestamp);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A request the scheduler refuses fails alone, with what it added undone.
                FailRequest(request.RequestId, e);
                command.Writer!.TryComplete(e);
            }
        }
        else if (requests.Remove(command.AbortId!, out var ids))
        {
            foreach (var id in ids)
            {
                scheduler.Abort(id);
                Complete(choices[id], "abort", []);
            }
        }
    }

    private void Add(GenerationRequest request, ChannelWriter<RequestOutput> writer, long arrival)
    {
        var leader = new Sequence(nextSequenceId++, request.PromptTokenIds, request.Sampling, request.HashSeed, request.Priority);
        var sequences = new List<Sequence> { leader };
        for (var i = 1; i < request.Sampling.N; i++)
        {
            sequences.Add(leader.CreateSibling(nextSequenceId++));
        }

        var ids = new List<long>();
        requests[request.RequestId] = ids;
        var requestState = new RequestState(request.RequestId, writer, sequences.Count, arrival);
        for (var index = 0; index < sequences.Count; index++)
        {
            var sequence = sequences[index];
            ids.Add(sequence.Id);
            scheduler.Add(sequence);
            choices[sequence.Id] = new ChoiceState(requestState, index, sequence,
                tokenizer.CreateIncrementalDecoder(request.Sampling.SkipSpecialTokens, request.PromptTokenIds),
                new StopStringMatcher(request.Sampling.Stop, request.Sampling.IncludeStopStrInOutput));
        }
    }

    private void Step()
    {
        var batch = scheduler.Schedule();
        if (batch.IsEmpty)
        {
            return;
        }

        foreach (var item in batch.Sequences)
        {
            if (choices.TryGetValue(item.Sequence.Id, out var waiting) && !waiting.Scheduled)
            {
                waiting.Scheduled = true;
                metrics?.Scheduled(Stopwatch.GetElapsedTime(waiting.Request.Arrival));
            }
        }

        stepping = batch;
        var sampled = runner.Run(batch);
        var finished = scheduler.Postprocess(batch, sampled.Select(s => s.Token).ToArray()).Select(s => s.Id).ToHashSet();
        var next = 0;
        foreach (var item in batch.Sequences)
        {
            if (!item.SamplesToken)
            {
                continue;
            }

            var token = sampled[next++];
            if (choices.TryGetValue(item.Sequence.Id, out var state))
            {
                Emit(state, token, finished.Contains(item.Sequence.Id));
            }
        }

        stepping = null;
    }

    private void Emit(ChoiceState state, SampledToken token, bool finishedByScheduler)
    {
        var sequence = state.Sequence;
        var sampling = sequence.Sampling;
        // A stop token id or eos ends generation without appearing in the text (unless asked for).
        var endsOnToken = finishedByScheduler && sequence.FinishReason == FinishReason.Stop
            && (eosTokenIds.Contains(token.Token) || sampling.StopTokenIds.Contains(token.Token));
        var text = endsOnToken && !sampling.IncludeStopStrInOutput ? "" : state.Stops.Append(state.Decoder.Add(token.Token));
        var logprobs = sampling.Logprobs is not null ? [token] : Array.Empty<SampledToken>();
        RecordToken(state);

        if (!finishedByScheduler && state.Stops.Stopped)
        {
            scheduler.Finish(sequence.Id, FinishReason.Stop);
            Complete(state, "stop", [token.Token], text, logprobs);
            return;
        }

        if (finishedByScheduler)
        {
            var rest = endsOnToken ? "" : state.Stops.Append(state.Decoder.Flush());
            Complete(state, sequence.FinishReason == FinishReason.Length ? "length" : "stop", [token.Token], text + rest + state.Stops.Flush(), logprobs);
            return;
        }

        state.Writer.TryWrite(Output(state, [token.Token], text, logprobs, null));
    }

    private void RecordToken(ChoiceState state)
    {
        var now = Stopwatch.GetTimestamp();
        if (state.LastToken is { } previous)
        {
            metrics?.NextToken(Stopwatch.GetElapsedTime(previous, now));
        }
        else
        {
            metrics?.FirstToken(Stopwatch.GetElapsedTime(state.Request.Arrival, now));
        }

        state.LastToken = now;
        metrics?.Generated(1);
    }

    private void Complete(ChoiceState state, string reason, IReadOnlyList<int> tokens, string text = "", IReadOnlyList<SampledToken>? logprobs = null)
    {
        if (!choices.Remove(state.Sequence.Id))
        {
            return;
        }

        metrics?.Finished(state.Sequence.NumPromptTokens, Stopwatch.GetElapsedTime(state.Request.Arrival));
        state.Writer.TryWrite(Output(state, tokens, text, logprobs ?? [], reason));
        if (--state.Request.Remaining == 0)
        {
            requests.Remove(state.RequestId);
            state.Writer.TryComplete();
        }
    }

    private static RequestOutput Output(ChoiceState state, IReadOnlyList<int> tokens, string text, IReadOnlyList<SampledToken> logprobs, string? reason) =>
        new(state.RequestId, state.Index, tokens, text, logprobs, reason, state.Sequence.NumPromptTokens, state.Sequence.NumCachedTokens, state.Sequence.NumOutputTokens);

    public void Dispose()
    {
        stopping.Cancel();
        thread.Join();
        commands.Dispose();
        stopping.Dispose();
    }

    private sealed record Command(GenerationRequest? Request, string? AbortId, ChannelWriter<RequestOutput>? Writer, long Timestamp);

    /// <summary>A request's channel, shared by its n choices; it completes when the last choice ends.</summary>
    private sealed class RequestState(string requestId, ChannelWriter<RequestOutput> writer, int choices, long arrival)
    {
        public string RequestId { get; } = requestId;

        /// <summary>When the request was submitted (Stopwatch timestamp), for queue time, TTFT and latency.</summary>
        public long Arrival { get; } = arrival;

        public ChannelWriter<RequestOutput> Writer { get; } = writer;

        public int Remaining { get; set; } = choices;
    }

    /// <summary>One choice of a request: its sequence, its streaming detokenizer and its stop-string matcher.</summary>
    private sealed class ChoiceState(RequestState request, int index, Sequence sequence, IncrementalDecoder decoder, StopStringMatcher stops)
    {
        public RequestState Request { get; } = request;

        public string RequestId => Request.RequestId;

        public ChannelWriter<RequestOutput> Writer => Request.Writer;

        public int Index { get; } = index;

        public Sequence Sequence { get; } = sequence;

        public IncrementalDecoder Decoder { get; } = decoder;

        public StopStringMatcher Stops { get; } = stops;

        public bool Scheduled { get; set; }

        public long? LastToken { get; set; }
    }
}
