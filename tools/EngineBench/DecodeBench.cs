namespace LlmPlatform.EngineBench;

/// <summary>
/// Decode step time of one sequence against the weight-streaming limit. At batch 1 a decode step must read every
/// weight once, so weight bytes / read bandwidth is the least time it can take on this machine; the ratio shows how
/// far the engine is from it. The prompt is sized so that the measured steps are centred on the requested context.
/// </summary>
internal static class DecodeBench
{
    public static void Run(IReadOnlyList<string> dtypes, IReadOnlyList<string> paths, int context, int steps, int warmup, double warmupSeconds, long bandwidthBytes, int seed)
    {
        var bandwidth = MemoryBandwidth.Measure(bandwidthBytes);
        var table = new MarkdownTable("method", "buffer MiB", "best ms", "GB/s");
        foreach (var sample in bandwidth)
        {
            table.Row(sample.Method, sample.Bytes / (1024.0 * 1024.0), sample.BestMs, sample.GigabytesPerSecond);
        }

        Console.WriteLine("Memory read bandwidth (best pass of 8):");
        table.Print();
        var gigabytesPerSecond = bandwidth.Max(b => b.GigabytesPerSecond);

        var results = new MarkdownTable("dtype", "decode path", "context", "steps", "mean ms", "median ms", "p90 ms", "min ms", "tok/s", "weights MB", "limit ms", "mean / limit", "median / limit", "other cores");
        var breakdown = new MarkdownTable("dtype", "decode path", "schedule ms", "run ms (layout + forward + sampling)", "postprocess ms", "prefill ms", "prefill tok/s");
        foreach (var (dtype, path) in dtypes.SelectMany(d => paths.Select(p => (d, p))))
        {
            using var model = BenchModel.Load(dtype, DecodePaths.UsesKernels(path));
            Console.WriteLine($"Loaded {dtype} ({path}) in {model.LoadSeconds:F1} s.");
            var prompt = Math.Max(1, context - warmup - steps / 2);
            var blocks = (prompt + warmup + steps + 2) / EngineHarness.BlockSize + 2;
            using var engine = new EngineHarness(model, blocks, maxNumSeqs: 1, maxNumBatchedTokens: Math.Max(prompt, 256));
            var random = new Random(seed);
            // A short request decoded for a while first, so that neither the timed prefill nor the timed steps pay for
            // JIT compilation or libtorch's first calls.
            engine.WarmUp(random, model.Spec.VocabSize, TimeSpan.FromSeconds(warmupSeconds));
            engine.Add(EngineHarness.RandomPrompt(random, prompt, model.Spec.VocabSize), outputTokens: warmup + steps + 1);
            GC.Collect();
            var contention = CpuContention.Start();
            var records = engine.RunToCompletion();
            var otherCores = contention.OtherCores();
            var prefill = records[0];
            var measured = records.Skip(1 + warmup).Take(steps).ToList();
            if (measured.Count != steps || measured.Any(r => !r.IsPureDecode))
            {
                throw new InvalidOperationException("The measured steps are not all single-sequence decodes.");
            }

            var total = Summary.Of(measured.Select(r => r.TotalMs));
            var limitMs = model.StreamedWeightBytes / (gigabytesPerSecond * 1e9) * 1e3;
            results.Row(dtype, path, $"{prompt + warmup + 1}-{prompt + warmup + steps}", steps, total.Mean, total.Median, total.P90, total.Min, 1e3 / total.Mean,
                model.StreamedWeightBytes / 1e6, limitMs, $"{total.Mean / limitMs:F2}x", $"{total.Median / limitMs:F2}x", otherCores);
            breakdown.Row(dtype, path, measured.Average(r => r.ScheduleMs), measured.Average(r => r.RunMs), measured.Average(r => r.PostprocessMs),
                prefill.TotalMs, prompt / (prefill.TotalMs / 1e3));
        }

        Console.WriteLine($"Decode at batch 1 (limit = weight bytes / {gigabytesPerSecond:F1} GB/s, the best bandwidth above; other cores: CPU other processes took meanwhile):");
        results.Print();
        Console.WriteLine("Where a decode step's time goes (means over the measured steps), and the prompt's one-step prefill:");
        breakdown.Print();
    }
}

/// <summary>The two ways a CPU decode step can run: the engine's C# kernels (its default) or libtorch throughout.</summary>
internal static class DecodePaths
{
    public static bool UsesKernels(string path) => path switch
    {
        "kernels" => true,
        "libtorch" => false,
        _ => throw new ArgumentException($"decode path '{path}' is not one of kernels, libtorch."),
    };
}
