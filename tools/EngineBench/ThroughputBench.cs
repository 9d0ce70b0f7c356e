using System.Diagnostics;

namespace LlmPlatform.EngineBench;

/// <summary>The outcome of one offline run: every request queued at once, stepped until all finished.</summary>
internal sealed record OfflineRun(string Label, int Requests, int OutputTokens, double Seconds, List<StepRecord> Steps, double OtherCores)
{
    public double TokensPerSecond => OutputTokens / Seconds;

    public IEnumerable<StepRecord> DecodeSteps => Steps.Where(s => s.IsPureDecode);
}

/// <summary>
/// Offline throughput: many requests queued at once and generated together by continuous batching, against the same
/// engine (same model, same KV pool) limited to one sequence at a time. Output tokens per second of wall time, from
/// the first schedule to the last finish, prefills included.
/// </summary>
internal static class ThroughputBench
{
    public static void Run(string dtype, int requests, int promptLength, int outputLength, int maxNumSeqs, int maxNumBatchedTokens, int baselineRequests, int seed, string device)
    {
        using var model = BenchModel.Load(dtype, device: TorchSharp.torch.device(device));
        Console.WriteLine($"Loaded {dtype} on {model.Model.Device} in {model.LoadSeconds:F1} s.");
        var perSequenceBlocks = (promptLength + outputLength + EngineHarness.BlockSize - 1) / EngineHarness.BlockSize;
        var blocks = Math.Max(requests, 1) * perSequenceBlocks + 8;
        using var engine = new EngineHarness(model, blocks, maxNumSeqs, maxNumBatchedTokens);
        var random = new Random(seed);

        // Each engine first runs one whole batch of the timed workload untimed: the JIT's tier-0 code is replaced
        // by optimized code only after a method's first 30 calls (compiled in the background meanwhile), and
        // libtorch's first calls at these shapes pay for their own set-up; a server pays both in its first seconds only.
        Offline(engine, "warm-up", random, model.Spec.VocabSize, Math.Min(requests, maxNumSeqs), promptLength, outputLength);
        var runs = new List<OfflineRun> { Offline(engine, $"max_num_seqs {maxNumSeqs}", random, model.Spec.VocabSize, requests, promptLength, outputLength) };
        if (baselineRequests > 0)
        {
            using var single = new EngineHarness(model, blocks, maxNumSeqs: 1, maxNumBatchedTokens);
            Offline(single, "warm-up", random, model.Spec.VocabSize, 1, promptLength, outputLength);
            runs.Add(Offline(single, "max_num_seqs 1", random, model.Spec.VocabSize, baselineRequests, promptLength, outputLength));
        }

        var table = new MarkdownTable("run", "requests", "prompt", "output", "steps", "wall s", "output tok/s", "decode-step tok/s", "mean decode batch", "ratio", "other cores");
        foreach (var run in runs)
        {
            var decode = run.DecodeSteps.ToList();
            table.Row(run.Label, run.Requests, promptLength, outputLength, run.Steps.Count, run.Seconds, run.TokensPerSecond,
                decode.Sum(s => s.Sampled) / (decode.Sum(s => s.TotalMs) / 1e3), decode.Average(s => s.Sequences),
                $"{run.TokensPerSecond / runs[^1].TokensPerSecond:F2}x", run.OtherCores);
        }

        Console.WriteLine($"Offline throughput, {dtype} (ratio: against the last row):");
        table.Print();

        var steps = new MarkdownTable("run", "step kind", "count", "mean ms", "median ms", "p90 ms", "schedule ms", "run ms", "postprocess ms");
        foreach (var run in runs)
        {
            foreach (var (kind, records) in new[] { ("decode", run.DecodeSteps.ToList()), ("with prefill", run.Steps.Where(s => !s.IsPureDecode).ToList()) })
            {
                if (records.Count == 0)
                {
                    continue;
                }

                var total = Summary.Of(records.Select(r => r.TotalMs));
                steps.Row(run.Label, kind, records.Count, total.Mean, total.Median, total.P90,
                    records.Average(r => r.ScheduleMs), records.Average(r => r.RunMs), records.Average(r => r.PostprocessMs));
            }
        }

        Console.WriteLine("Step times:");
        steps.Print();
    }

    private static OfflineRun Offline(EngineHarness engine, string label, Random random, int vocab, int requests, int promptLength, int outputLength)
    {
        for (var i = 0; i < requests; i++)
        {
            engine.Add(EngineHarness.RandomPrompt(random, promptLength, vocab), outputLength);
        }

        GC.Collect();
        var contention = CpuContention.Start();
        var clock = Stopwatch.StartNew();
        var steps = engine.RunToCompletion();
        var seconds = clock.Elapsed.TotalSeconds;
        var generated = steps.Sum(s => s.Sampled);
        if (generated != requests * outputLength)
        {
            throw new InvalidOperationException($"{label}: generated {generated} tokens, expected {requests * outputLength} (preempted?).");
        }

        Console.WriteLine($"{label}: {requests} requests in {seconds:F1} s; {contention.Describe()}.");
        return new OfflineRun(label, requests, generated, seconds, steps, contention.OtherCores());
    }
}
