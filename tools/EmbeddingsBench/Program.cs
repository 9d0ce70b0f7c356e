using System.Diagnostics;
using System.Globalization;
using LlmPlatform.Encoders;
using LlmPlatform.Encoders.Tests;
using Microsoft.ML.OnnxRuntime;

// Inputs per second at batch 1, 8 and 32 for 32- and 256-token inputs: our encoder (TorchSharp) and ONNX Runtime
// running the original ONNX graph, both with the same intra-op threads, both pooling (mean) and normalizing, on the
// same inputs, each in a child process of its own (--engine ours|onnx runs one and prints raw rows). Usage:
//   dotnet run -c Release --project tools/EmbeddingsBench [-- --seconds 5 --threads 2]
var seconds = double.Parse(Option("--seconds") ?? "5", CultureInfo.InvariantCulture);
var threads = int.Parse(Option("--threads") ?? Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

var engine = Option("--engine");
if (engine is null)
{
    // Each runtime in a process of its own, one after the other: in one process the idle thread pool of one (spinning
    // OpenMP or ONNX Runtime workers) takes the cores from the other and the comparison measures that instead.
    var ours = RunChild("ours");
    var onnx = RunChild("onnx");
    Console.WriteLine($"all-MiniLM-L6-v2, {threads} threads, {seconds} s per measurement, {Environment.ProcessorCount} cores");
    Console.WriteLine("| tokens per input | batch | ours (inputs/s) | ONNX Runtime (inputs/s) | ratio |");
    Console.WriteLine("| ---: | ---: | ---: | ---: | ---: |");
    foreach (var (key, rate) in ours)
    {
        Console.WriteLine($"| {key.Length} | {key.Batch} | {rate:F1} | {onnx[key]:F1} | {rate / onnx[key]:F2}x |");
    }

    return 0;
}

var directory = DefaultEmbeddingModel.EnsurePrepared(DefaultEmbeddingModel.DefaultRoot());
Func<IReadOnlyList<int[]>, float[][]> embed;
var vocabulary = 30522;
if (engine == "ours")
{
    var encoder = SentenceEncoder.Load(directory, new SentenceEncoderOptions { Threads = threads });
    (embed, vocabulary) = (encoder.Embed, encoder.VocabSize);
}
else
{
    var sessionOptions = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
    var session = new InferenceSession(DefaultEmbeddingModel.ReadOnnxModel(), sessionOptions);
    embed = inputs => OnnxRuntimeOracle.Embed(session, inputs);
}

var random = new Random(7);
foreach (var length in new[] { 32, 256 })
{
    foreach (var batch in new[] { 1, 8, 32 })
    {
        // [CLS], ids of ordinary word pieces (past the special and unused entries), [SEP]: the same inputs in both processes.
        var inputs = Enumerable.Range(0, batch).Select(_ => (int[])[101, .. Enumerable.Range(0, length - 2).Select(_ => random.Next(1996, vocabulary)), 102]).ToList();
        Console.WriteLine(FormattableString.Invariant($"{length} {batch} {InputsPerSecond(batch, () => embed(inputs))}"));
    }
}

return 0;

Dictionary<(int Length, int Batch), double> RunChild(string which)
{
    var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (var argument in args.Concat(["--engine", which]))
    {
        start.ArgumentList.Add(argument);
    }

    using var child = Process.Start(start)!;
    var rows = new Dictionary<(int, int), double>();
    while (child.StandardOutput.ReadLine() is { } line)
    {
        var fields = line.Split(' ');
        rows[(int.Parse(fields[0], CultureInfo.InvariantCulture), int.Parse(fields[1], CultureInfo.InvariantCulture))] = double.Parse(fields[2], CultureInfo.InvariantCulture);
    }

    child.WaitForExit();
    return child.ExitCode == 0 ? rows : throw new InvalidOperationException($"The {which} run failed ({child.ExitCode}).");
}

double InputsPerSecond(int batch, Action embed)
{
    // Warm-up: first calls allocate, JIT and pick kernels.
    for (var i = 0; i < 3; i++)
    {
        embed();
    }

    var clock = Stopwatch.StartNew();
    var calls = 0;
    while (clock.Elapsed.TotalSeconds < seconds)
    {
        embed();
        calls++;
    }

    return calls * batch / clock.Elapsed.TotalSeconds;
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
