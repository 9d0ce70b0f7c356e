using System.Diagnostics;
using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;
using LlmPlatform.Models.Demo;
using LlmPlatform.Models.HuggingFace;
using static TorchSharp.torch;

namespace LlmPlatform.EngineBench;

/// <summary>
/// The SmolLM-135M shape with random weights (written once into the model cache, stored in the dtype it is computed
/// in, so loading does not convert), loaded for computing in bf16 or f32, with the byte counts the limits need.
/// </summary>
internal sealed class BenchModel : IDisposable
{
    private BenchModel(string name, CausalLanguageModel model, double loadSeconds)
    {
        Name = name;
        Model = model;
        LoadSeconds = loadSeconds;
    }

    /// <summary>"bf16" or "f32".</summary>
    public string Name { get; }

    public CausalLanguageModel Model { get; }

    public ModelSpec Spec => Model.Spec;

    public ScalarType DType => Model.DType;

    public double LoadSeconds { get; }

    public int ElementSize => DType == ScalarType.Float32 ? 4 : 2;

    /// <summary>
    /// Bytes of weights a decode step reads: every layer's projections and norms, the final norm and the LM head
    /// (vocab × hidden, the embedding itself when tied). The embedding lookup reads one row per token: not counted.
    /// </summary>
    public long StreamedWeightBytes
    {
        get
        {
            var s = Spec;
            long attention = (long)s.HiddenSize * s.Heads * s.HeadDim * 2 + (long)s.HiddenSize * s.KeyValueHeads * s.HeadDim * 2;
            long biases = s.QkvBias ? (long)(s.Heads + 2 * s.KeyValueHeads) * s.HeadDim : 0;
            long mlp = 3L * s.HiddenSize * s.IntermediateSize;
            long perLayer = attention + biases + mlp + 2L * s.HiddenSize;
            return (s.Layers * perLayer + s.HiddenSize + (long)s.VocabSize * s.HiddenSize) * ElementSize;
        }
    }

    /// <summary>KV bytes of one token across all layers (K and V).</summary>
    public long KvBytesPerToken => 2L * Spec.Layers * Spec.KeyValueHeads * Spec.HeadDim * ElementSize;

    /// <summary>Loads the model (on the CPU unless <paramref name="device"/> says otherwise); <paramref name="cpuDecodeKernels"/> false sends every step through libtorch.</summary>
    public static BenchModel Load(string name, bool cpuDecodeKernels = true, Device? device = null)
    {
        var (dtype, shape) = name.ToLowerInvariant() switch
        {
            "bf16" => (ScalarType.BFloat16, ModelShape.SmolLm135M with { DType = "BF16" }),
            "f32" => (ScalarType.Float32, ModelShape.SmolLm135M with { DType = "F32", Name = ModelShape.SmolLm135M.Name + "-f32" }),
            _ => throw new ArgumentException($"dtype '{name}' is not one of bf16, f32."),
        };
        var directory = ModelCache.EnsureRandomModel(ModelCache.DefaultRoot(), shape);
        var clock = Stopwatch.StartNew();
        var model = CausalLanguageModel.Load(ModelDirectory.Open(directory), dtype, device ?? CPU, cpuDecodeKernels);
        return new BenchModel(name.ToLowerInvariant(), model, clock.Elapsed.TotalSeconds);
    }

    public PagedKvCache NewCache(int blocks, int blockSize) =>
        new(Spec.Layers, blocks, blockSize, Spec.KeyValueHeads, Spec.HeadDim, DType, Model.Device);

    public void Dispose() => Model.Dispose();
}
