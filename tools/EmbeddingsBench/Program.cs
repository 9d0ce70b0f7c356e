using System.Diagnostics;
using LlmPlatform.Encoders;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

// Inputs per second at batch 1, 8 and 32 for 32- and 256-token inputs: our encoder (TorchSharp) and ONNX Runtime
// running the original ONNX graph, both with the same intra-op threads, both pooling (mean) and normalizing, one
// after the other on the same inputs. Usage:
//   dotnet run -c Release --project tools/EmbeddingsBench [-- --seconds 5 --threads 2]
var seconds = double.Parse(Option("--seconds") ?? "5", System.Globalization.CultureInfo.InvariantCulture);
var threads = int.Parse(Option("--threads") ?? Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);

var directory = DefaultEmbeddingModel.EnsurePrepared(DefaultEmbeddingModel.DefaultRoot());
using var ours = SentenceEncoder.Load(directory, new SentenceEncoderOptions { Threads = threads });
using var sessionOptions = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
if (Option("--onnx-spin") == "0")
{
    sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
}
using var onnx = new InferenceSession(DefaultEmbeddingModel.ReadOnnxModel(), sessionOptions);

Console.WriteLine($"all-MiniLM-L6-v2, {threads} threads, {seconds} s per measurement, {Environment.ProcessorCount} cores");
Console.WriteLine("| tokens per input | batch | ours (inputs/s) | ONNX Runtime (inputs/s) | ratio |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: |");
var random = new Random(7);
foreach (var length in new[] { 32, 256 })
{
    foreach (var batch in new[] { 1, 8, 32 })
    {
        // [CLS], ids of ordinary word pieces (past the special and unused entries), [SEP].
        var inputs = Enumerable.Range(0, batch).Select(_ => (int[])[101, .. Enumerable.Range(0, length - 2).Select(_ => random.Next(1996, ours.VocabSize)), 102]).ToList();
        var oursRate = InputsPerSecond(batch, () => ours.Embed(inputs));
        var onnxRate = InputsPerSecond(batch, () => OnnxEmbed(onnx, inputs));
        Console.WriteLine($"| {length} | {batch} | {oursRate:F1} | {onnxRate:F1} | {oursRate / onnxRate:F2}x |");
    }
}

return 0;

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

static float[][] OnnxEmbed(InferenceSession session, IReadOnlyList<int[]> inputs)
{
    var (batch, length) = (inputs.Count, inputs.Max(i => i.Length));
    var ids = new long[batch * length];
    var mask = new long[batch * length];
    for (var row = 0; row < batch; row++)
    {
        for (var column = 0; column < inputs[row].Length; column++)
        {
            ids[row * length + column] = inputs[row][column];
            mask[row * length + column] = 1;
        }
    }

    int[] shape = [batch, length];
    using var results = session.Run(
    [
        NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, shape)),
        NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, shape)),
        NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(new long[batch * length], shape)),
    ]);
    var states = results.First().AsTensor<float>();
    var hidden = (int)states.Dimensions[2];
    var embeddings = new float[batch][];
    for (var row = 0; row < batch; row++)
    {
        var sum = new float[hidden];
        for (var t = 0; t < inputs[row].Length; t++)
        {
            for (var h = 0; h < hidden; h++)
            {
                sum[h] += states[row, t, h];
            }
        }

        var norm = MathF.Sqrt(sum.Sum(v => v * v));
        embeddings[row] = [.. sum.Select(v => v / norm)];
    }

    return embeddings;
}

string? Option(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
