using LlmPlatform.Engine.Model;
using static TorchSharp.torch;

namespace LlmPlatform.EngineBench;

/// <summary>What a projection multiplies: the hidden state (or attention output, same width) or the MLP's activations.</summary>
internal enum ProjectionInput
{
    Hidden,
    Intermediate,
}

/// <summary>
/// Random weights with the shapes of every layer's projections and of the LM head, for replaying the layer's matrix
/// products. Stored fused (q|k|v rows in one matrix, gate|up in another); the separate projections the engine uses
/// are row ranges of them, which are contiguous, so both variants read the same bytes.
/// </summary>
internal sealed class LayerWeights : IDisposable
{
    private readonly ModelSpec spec;

    public LayerWeights(ModelSpec spec, ScalarType dtype)
    {
        this.spec = spec;
        var q = spec.Heads * spec.HeadDim;
        var kv = spec.KeyValueHeads * spec.HeadDim;
        Tensor Random(long rows, long columns) => randn([rows, columns], dtype).mul_(0.02).DetachFromDisposeScope();
        Qkv = Enumerable.Range(0, spec.Layers).Select(_ => Random(q + 2 * kv, spec.HiddenSize)).ToArray();
        O = Enumerable.Range(0, spec.Layers).Select(_ => Random(spec.HiddenSize, q)).ToArray();
        GateUp = Enumerable.Range(0, spec.Layers).Select(_ => Random(2L * spec.IntermediateSize, spec.HiddenSize)).ToArray();
        Down = Enumerable.Range(0, spec.Layers).Select(_ => Random(spec.HiddenSize, spec.IntermediateSize)).ToArray();
        LmHead = Random(spec.VocabSize, spec.HiddenSize);
    }

    public Tensor[] Qkv { get; }

    public Tensor[] O { get; }

    public Tensor[] GateUp { get; }

    public Tensor[] Down { get; }

    public Tensor LmHead { get; }

    public long ProjectionBytes => Qkv.Concat(O).Concat(GateUp).Concat(Down).Sum(t => t.NumberOfElements * t.ElementSize);

    public long LmHeadBytes => LmHead.NumberOfElements * LmHead.ElementSize;

    /// <summary>Layer <paramref name="layer"/>'s seven projections as DecoderLayer applies them: q, k, v, o, gate, up, down.</summary>
    public IEnumerable<(Tensor Weight, ProjectionInput Input)> Separate(int layer)
    {
        var q = spec.Heads * spec.HeadDim;
        var kv = spec.KeyValueHeads * spec.HeadDim;
        yield return (Qkv[layer].narrow(0, 0, q), ProjectionInput.Hidden);
        yield return (Qkv[layer].narrow(0, q, kv), ProjectionInput.Hidden);
        yield return (Qkv[layer].narrow(0, q + kv, kv), ProjectionInput.Hidden);
        yield return (O[layer], ProjectionInput.Hidden);
        yield return (GateUp[layer].narrow(0, 0, spec.IntermediateSize), ProjectionInput.Hidden);
        yield return (GateUp[layer].narrow(0, spec.IntermediateSize, spec.IntermediateSize), ProjectionInput.Hidden);
        yield return (Down[layer], ProjectionInput.Intermediate);
    }

    public void Dispose()
    {
        foreach (var tensor in Qkv.Concat(O).Concat(GateUp).Concat(Down).Append(LmHead))
        {
            tensor.Dispose();
        }
    }
}
