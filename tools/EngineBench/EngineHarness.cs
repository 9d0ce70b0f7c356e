using System.Diagnostics;
using LlmPlatform.Engine;
using LlmPlatform.Engine.Attention;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Scheduling;

namespace LlmPlatform.EngineBench;

/// <summary>One engine step as timed: what ran, and the milliseconds in each of the three calls of the loop.</summary>
internal sealed record StepRecord(int Sequences, int Tokens, int Decodes, int Sampled, double ScheduleMs, double RunMs, double PostprocessMs)
{
    public double TotalMs => ScheduleMs + RunMs + PostprocessMs;

    /// <summary>Every scheduled sequence decodes one token: no prefill chunk in the step.</summary>
    public bool IsPureDecode => Sequences > 0 && Decodes == Sequences;
}

/// <summary>
/// The engine loop without its thread and channels: Scheduler + ModelRunner over one KV pool, stepped by the caller so
/// each of Schedule, Run (layout, forward, sampling) and Postprocess is timed on its own.
/// </summary>
internal sealed class EngineHarness : IDisposable
{
    public const int BlockSize = 16;

    private static readonly PrefixHashSeed HashSeed = new("bench", "bench");
    private readonly PagedKvCache cache;
    private readonly int capacity;
    private long nextId;

    public EngineHarness(BenchModel model, int numBlocks, int maxNumSeqs, int maxNumBatchedTokens, int? maxModelLen = null)
    {
        cache = model.NewCache(numBlocks, BlockSize);
        capacity = numBlocks * BlockSize;
        Scheduler = new Scheduler(new SchedulerOptions(numBlocks, maxModelLen ?? numBlocks * BlockSize, BlockSize, maxNumSeqs, maxNumBatchedTokens), eosTokenIds: []);
        Runner = new ModelRunner(model.Model, cache, []);
    }

    public Scheduler Scheduler { get; }

    public ModelRunner Runner { get; }

    /// <summary>Queues a greedy request that generates exactly <paramref name="outputTokens"/> tokens.</summary>
    public Sequence Add(IReadOnlyList<int> prompt, int outputTokens)
    {
        var sequence = new Sequence(nextId++, prompt, new SamplingParams(temperature: 0, maxTokens: outputTokens, ignoreEos: true), HashSeed);
        Scheduler.Add(sequence);
        return sequence;
    }

    public StepRecord Step()
    {
        var t0 = Stopwatch.GetTimestamp();
        var batch = Scheduler.Schedule();
        var t1 = Stopwatch.GetTimestamp();
        var sampled = Runner.Run(batch);
        var t2 = Stopwatch.GetTimestamp();
        Scheduler.Postprocess(batch, sampled.Select(s => s.Token).ToArray());
        var t3 = Stopwatch.GetTimestamp();
        var decodes = batch.Sequences.Count(s => s.NumNewTokens == 1 && s.StartPosition >= s.Sequence.NumPromptTokens);
        return new StepRecord(batch.Sequences.Count, batch.NumBatchedTokens, decodes, batch.NumSampled, Ms(t0, t1), Ms(t1, t2), Ms(t2, t3));
    }

    /// <summary>
    /// Decodes one short request for at least <paramref name="duration"/>, then aborts it. .NET compiles hot methods
    /// again, optimized, on a background thread a few hundred milliseconds after their first calls; on two cores that
    /// thread takes one from the step's workers, which made a tail of 15-30 ms steps in a 64-step run.
    /// </summary>
    public void WarmUp(Random random, int vocab, TimeSpan duration)
    {
        const int prompt = 32;
        var sequence = Add(RandomPrompt(random, prompt, vocab), outputTokens: capacity - prompt - BlockSize);
        var clock = Stopwatch.StartNew();
        while (!sequence.IsFinished && clock.Elapsed < duration)
        {
            Step();
        }

        Scheduler.Abort(sequence.Id);
    }

    /// <summary>Steps until every queued request has finished.</summary>
    public List<StepRecord> RunToCompletion()
    {
        var steps = new List<StepRecord>();
        while (Scheduler.HasUnfinished)
        {
            steps.Add(Step());
        }

        return steps;
    }

    /// <summary>Distinct random prompts (no two share a first block, so the prefix cache never hits by accident).</summary>
    public static int[] RandomPrompt(Random random, int length, int vocab) =>
        Enumerable.Range(0, length).Select(_ => random.Next(vocab)).ToArray();

    private static double Ms(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    public void Dispose() => cache.Dispose();
}
