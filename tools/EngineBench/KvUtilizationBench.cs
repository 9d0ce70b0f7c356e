using System.Diagnostics;
using LlmPlatform.Scheduling;

namespace LlmPlatform.EngineBench;

/// <summary>
/// KV memory used by tokens / KV memory allocated, under a mixed workload: prompts and outputs of random lengths,
/// requests arriving while others run (continuous batching), chunked prefill, a share of requests starting with a
/// common system prompt (prefix caching shares its blocks), and a pool small enough that preemption can happen.
/// Sampled after every step: the tokens whose KV is in the cache, counted once per block even when sequences share
/// it, over the blocks referenced × block size.
/// </summary>
internal static class KvUtilizationBench
{
    public sealed record Workload(int Requests, int MinPrompt, int MaxPrompt, int MinOutput, int MaxOutput, double SharedPrefixFraction, int SharedPrefixLength, int ArrivalInterval);

    public static void Run(string dtype, Workload workload, int maxNumSeqs, int maxNumBatchedTokens, int kvBlocks, int seed)
    {
        using var model = BenchModel.Load(dtype);
        Console.WriteLine($"Loaded {dtype} in {model.LoadSeconds:F1} s.");
        using var engine = new EngineHarness(model, kvBlocks, maxNumSeqs, maxNumBatchedTokens, maxModelLen: workload.MaxPrompt + workload.MaxOutput);
        var random = new Random(seed);
        var vocab = model.Spec.VocabSize;
        var systemPrompt = EngineHarness.RandomPrompt(random, workload.SharedPrefixLength, vocab);
        var pending = new Queue<(int[] Prompt, int Output)>(Enumerable.Range(0, workload.Requests).Select(_ =>
        {
            var length = random.Next(workload.MinPrompt, workload.MaxPrompt + 1);
            var shared = random.NextDouble() < workload.SharedPrefixFraction && length > systemPrompt.Length;
            var prompt = shared ? [.. systemPrompt, .. EngineHarness.RandomPrompt(random, length - systemPrompt.Length, vocab)] : EngineHarness.RandomPrompt(random, length, vocab);
            return (prompt, random.Next(workload.MinOutput, workload.MaxOutput + 1));
        }));

        // The pool fills first with a batch's worth of requests; the rest arrive one every ArrivalInterval steps.
        for (var i = 0; i < maxNumSeqs && pending.Count > 0; i++)
        {
            var (prompt, output) = pending.Dequeue();
            engine.Add(prompt, output);
        }

        var utilization = new List<double>();
        var poolUsage = new List<double>();
        var wastePerSequence = new List<double>();
        long storedTotal = 0, allocatedTotal = 0;
        var steps = new List<StepRecord>();
        var clock = Stopwatch.StartNew();
        while (engine.Scheduler.HasUnfinished || pending.Count > 0)
        {
            if (pending.Count > 0 && (steps.Count % workload.ArrivalInterval == 0 || !engine.Scheduler.HasUnfinished))
            {
                var (prompt, output) = pending.Dequeue();
                engine.Add(prompt, output);
            }

            steps.Add(engine.Step());
            var blocks = engine.Scheduler.BlockManager;
            if (blocks.NumUsedBlocks == 0)
            {
                continue;
            }

            var stored = StoredTokens(engine.Scheduler.Running, blocks.BlockSize, out var referenced);
            if (referenced != blocks.NumUsedBlocks)
            {
                throw new InvalidOperationException($"Running sequences reference {referenced} blocks, the block manager counts {blocks.NumUsedBlocks} in use.");
            }

            long allocated = (long)blocks.NumUsedBlocks * blocks.BlockSize;
            utilization.Add((double)stored / allocated);
            poolUsage.Add(blocks.Usage);
            wastePerSequence.Add((double)(allocated - stored) / engine.Scheduler.NumRunning);
            storedTotal += stored;
            allocatedTotal += allocated;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var generated = steps.Sum(s => s.Sampled);
        var u = Summary.Of(utilization);
        var manager = engine.Scheduler.BlockManager;
        Console.WriteLine($"Mixed workload, {dtype}: {workload.Requests} requests, prompt {workload.MinPrompt}-{workload.MaxPrompt}, output {workload.MinOutput}-{workload.MaxOutput}, " +
            $"{workload.SharedPrefixFraction:P0} start with a shared {workload.SharedPrefixLength}-token prefix, one arrival every {workload.ArrivalInterval} steps after the first {maxNumSeqs}; " +
            $"max_num_seqs {maxNumSeqs}, max_num_batched_tokens {maxNumBatchedTokens}, {kvBlocks} blocks of {EngineHarness.BlockSize}.");
        new MarkdownTable("steps", "wall s", "generated tok/s", "mean sequences per step", "preemptions", "prefix-cache hit %", "mean pool usage", "max pool usage",
                "mean waste tokens / seq", "utilization mean", "utilization min", "utilization token-weighted")
            .Row(steps.Count, seconds, generated / seconds, steps.Average(s => s.Sequences), engine.Scheduler.NumPreemptions,
                100.0 * manager.PrefixCacheHitTokens / Math.Max(1, manager.PrefixCacheQueriedTokens),
                $"{poolUsage.Average():P1}", $"{poolUsage.Max():P1}", wastePerSequence.Average(),
                $"{u.Mean:P2}", $"{u.Min:P2}", $"{(double)storedTotal / allocatedTotal:P2}")
            .Print();
    }

    /// <summary>
    /// Tokens with KV in the cache: block i of a sequence holds min(block size, computed − i × block size) of them;
    /// a block shared by several sequences (a common prefix) is counted once, with the most any of them has there.
    /// </summary>
    private static long StoredTokens(IReadOnlyList<Sequence> running, int blockSize, out int referencedBlocks)
    {
        var fill = new Dictionary<int, int>();
        foreach (var sequence in running)
        {
            for (var i = 0; i < sequence.BlockTable.Count; i++)
            {
                var tokens = Math.Clamp(sequence.NumComputedTokens - i * blockSize, 0, blockSize);
                fill[sequence.BlockTable[i]] = Math.Max(fill.GetValueOrDefault(sequence.BlockTable[i]), tokens);
            }
        }

        referencedBlocks = fill.Count;
        return fill.Values.Sum(v => (long)v);
    }
}
