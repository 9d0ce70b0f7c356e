using System.Diagnostics;
using System.Globalization;
using LlmPlatform.Torch.Cpu;
using static TorchSharp.torch;

// GFLOP/s of PackedLinear and of libtorch's torch.nn.functional.linear (float32, with bias) on the four linears of a
// BERT layer at all-MiniLM-L6-v2's width (hidden 384, MLP 1536; QKV fused to 1152), for M = batch x tokens rows.
// PackedLinear is timed twice: into a preallocated output, and allocating its output as torch linear does (at large
// M a fresh 50 MB output costs page faults on every call). Usage:
//   dotnet run -c Release --project tools/GemmBench [-- --threads 2 --seconds 0.5 --m 32,256 --kernel Vector256 --diagnostics]
// --kernel picks a narrower microkernel (Vector256, Scalar); --diagnostics first prints the single-core microkernel
// rate and the worker team's cost per call. libtorch runs after ours: its OpenMP threads keep spinning for
// milliseconds after each call and would take a core from ours if the two alternated.
var threads = int.Parse(Option("--threads") ?? "2", CultureInfo.InvariantCulture);
var seconds = double.Parse(Option("--seconds") ?? "0.5", CultureInfo.InvariantCulture);
var rowCounts = (Option("--m") ?? "32,256,2048,8192").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
var kernel = Option("--kernel") is { } name ? Enum.Parse<GemmKernel>(name) : GemmKernels.Best;
set_num_threads(threads);
manual_seed(1);
if (args.Contains("--diagnostics"))
{
    Diagnostics.Print(threads, seconds);
}

(string Name, int K, int N)[] shapes = [("qkv", 384, 1152), ("attention out", 384, 384), ("intermediate", 384, 1536), ("output", 1536, 384)];
string[] series = ["into output", "allocating", "torch"];
var rates = new Dictionary<(string, int, int), (double Median, double Best)>();
foreach (var which in series)
{
    Thread.Sleep(100);
    foreach (var m in rowCounts)
    {
        for (var s = 0; s < shapes.Length; s++)
        {
            var (_, k, n) = shapes[s];
            using var scope = NewDisposeScope();
            var weight = randn(n, k) / MathF.Sqrt(k);
            var bias = randn(n);
            var input = randn(m, k);
            var output = empty(m, n);
            using var linear = new PackedLinear(weight, bias, threads) { Kernel = kernel };
            Action run = which switch
            {
                "into output" => () => linear.Forward(input, output),
                "allocating" => () => { using var result = linear.Forward(input); },
                _ => () => { using var result = nn.functional.linear(input, weight, bias); },
            };
            var (median, best) = Time(run);
            rates[(which, m, s)] = (2.0 * m * k * n / median / 1e9, 2.0 * m * k * n / best / 1e9);
        }
    }
}

Console.WriteLine($"float32 linear with bias, {threads} threads, {Environment.ProcessorCount} cores, kernel {kernel}; GFLOP/s of the median (best) call over {seconds} s per cell");
Console.WriteLine("| M | shape (K -> N) | PackedLinear into output | PackedLinear allocating | torch linear | ratio (allocating / torch, medians) |");
Console.WriteLine("| ---: | --- | ---: | ---: | ---: | ---: |");
foreach (var m in rowCounts)
{
    for (var s = 0; s < shapes.Length; s++)
    {
        var (shape, k, n) = shapes[s];
        var (given, allocating, torch) = (rates[(series[0], m, s)], rates[(series[1], m, s)], rates[(series[2], m, s)]);
        Console.WriteLine(FormattableString.Invariant(
            $"| {m} | {shape} ({k} -> {n}) | {given.Median:F1} ({given.Best:F1}) | {allocating.Median:F1} ({allocating.Best:F1}) | {torch.Median:F1} ({torch.Best:F1}) | {allocating.Median / torch.Median:F2}x |"));
    }
}

return 0;

// Median and best seconds per call, after warming up, over about `seconds` of calls (at least 5). The best shows what
// the code does when nothing else takes the cores; the median what a busy machine gets.
(double Median, double Best) Time(Action run)
{
    for (var i = 0; i < 3; i++)
    {
        run();
    }

    var samples = new List<double>();
    var total = Stopwatch.StartNew();
    while (samples.Count < 5 || total.Elapsed.TotalSeconds < seconds)
    {
        var start = Stopwatch.GetTimestamp();
        run();
        samples.Add(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    samples.Sort();
    return (samples[samples.Count / 2], samples[0]);
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
