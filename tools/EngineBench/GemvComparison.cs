using LlmPlatform.Engine.Model;
using static TorchSharp.torch;

namespace LlmPlatform.EngineBench;

/// <summary>
/// Batch-1 matrix-vector products read as memory streams: libtorch's linear (timed by the profile) against the
/// hand-written <see cref="ManagedGemv"/> on the same shapes, on all cores and on one.
/// </summary>
internal static class GemvComparison
{
    public static void Print(ModelSpec spec, ScalarType dtype, LayerWeights weights, double libtorchProjectionsMs, double libtorchLmHeadMs, int iterations, int seed)
    {
        var q = spec.Heads * spec.HeadDim;
        var kv = spec.KeyValueHeads * spec.HeadDim;
        (int Rows, int Columns)[] layer = [(q, spec.HiddenSize), (kv, spec.HiddenSize), (kv, spec.HiddenSize), (spec.HiddenSize, q),
            (spec.IntermediateSize, spec.HiddenSize), (spec.IntermediateSize, spec.HiddenSize), (spec.HiddenSize, spec.IntermediateSize)];
        var projections = new ManagedGemv(Enumerable.Repeat(layer, spec.Layers).SelectMany(shapes => shapes), dtype, seed);
        // The same bytes with no matrix boundaries: every hidden-wide projection of every layer stacked into one matrix,
        // every down projection into another. What a GEMV could reach if a layer's products cost nothing per matrix.
        var stacked = new ManagedGemv(
            [(layer.Where(m => m.Columns == spec.HiddenSize).Sum(m => m.Rows) * spec.Layers, spec.HiddenSize), (spec.HiddenSize * spec.Layers, spec.IntermediateSize)], dtype, seed);
        var lmHead = new ManagedGemv([(spec.VocabSize, spec.HiddenSize)], dtype, seed);
        var cores = Environment.ProcessorCount;

        var table = new MarkdownTable("GEMV at B=1", "MB read", "ms", "GB/s", "max relative error vs libtorch");
        void Row(string name, long bytes, double ms, string error) => table.Row(name, bytes / 1e6, ms, bytes / (ms / 1e3) / 1e9, error);
        Row("layer projections, libtorch linear, 7 separate", weights.ProjectionBytes, libtorchProjectionsMs, "-");
        Row($"layer projections, C# Vector512 GEMV, {cores} threads", projections.Bytes, projections.MedianMs(iterations, cores), projections.MaxRelativeErrorAgainstLibtorch().ToString("E1"));
        Row("layer projections, C# Vector512 GEMV, 1 thread", projections.Bytes, projections.MedianMs(iterations, 1), "-");
        Row($"layer projections stacked into 2 matrices, C# Vector512 GEMV, {cores} threads", stacked.Bytes, stacked.MedianMs(iterations, cores), "-");
        Row("LM head, libtorch linear", weights.LmHeadBytes, libtorchLmHeadMs, "-");
        Row($"LM head, C# Vector512 GEMV, {cores} threads", lmHead.Bytes, lmHead.MedianMs(iterations, cores), lmHead.MaxRelativeErrorAgainstLibtorch().ToString("E1"));
        Row("LM head, C# Vector512 GEMV, 1 thread", lmHead.Bytes, lmHead.MedianMs(iterations, 1), "-");
        Console.WriteLine("Matrix-vector products as memory reads (batch 1); the C# rows are a hand-written GEMV (ManagedGemv), not engine code:");
        table.Print();
    }
}
