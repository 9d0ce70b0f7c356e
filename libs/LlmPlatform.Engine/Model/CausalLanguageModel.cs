using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Cpu;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LlmPlatform.Engine.Model;

/// <summary>
/// A Llama-family causal LM (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM) loaded from a Hugging Face
/// directory: embedding, decoder layers, final norm, and the LM head (the embedding itself when tied).
/// </summary>
public sealed class CausalLanguageModel : IDisposable
{
    private readonly Tensor embedding;
    private readonly Tensor finalNorm;
    private readonly Tensor lmHead;
    private readonly DecoderLayer[] layers;
    private readonly RotaryEmbedding rope;
    private readonly CpuDecoder? cpuDecoder;

    private CausalLanguageModel(ModelSpec spec, Tensor embedding, Tensor finalNorm, Tensor lmHead, DecoderLayer[] layers, RotaryEmbedding rope, ScalarType dtype, Device device, bool cpuDecodeKernels)
    {
        Spec = spec;
        this.embedding = embedding;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.layers = layers;
        this.rope = rope;
        DType = dtype;
        Device = device;
        if (cpuDecodeKernels && device.type == TorchSharp.DeviceType.CPU && CpuDecoder.Supports(spec))
        {
            cpuDecoder = new CpuDecoder(spec, layers, embedding, lmHead, finalNorm, get_num_threads());
        }
    }

    public ModelSpec Spec { get; }

    public ScalarType DType { get; }

    public Device Device { get; }

    /// <summary>Whether steps run on the C# CPU kernels and their team of threads (<see cref="CpuDecoder"/>) instead of libtorch's forward.</summary>
    public bool UsesCpuDecodeKernels => cpuDecoder is not null;

    /// <summary>
    /// Loads every weight now, so a missing tensor or an unsupported architecture fails at startup with its name.
    /// On a CPU, steps run on C# kernels and their team of threads (<see cref="CpuDecoder"/>) unless
    /// <paramref name="cpuDecodeKernels"/> is false (then every step goes through libtorch's forward).
    /// </summary>
    public static CausalLanguageModel Load(ModelDirectory directory, ScalarType dtype, Device device, bool cpuDecodeKernels = true)
    {
        if (dtype == ScalarType.Float16 && device.type == TorchSharp.DeviceType.CPU)
        {
            throw new NotSupportedException("float16 is not a compute dtype on CPU (matmul is ~100x slower than float32 there); use float32 or bfloat16.");
        }

        var spec = ModelSpec.From(directory.Config);
        var weights = SafetensorsWeights.Open(directory.Path);
        var embedding = weights.Load("model.embed_tokens.weight", dtype, device);
        var lmHead = spec.TieWordEmbeddings || !weights.Contains("lm_head.weight") ? embedding : weights.Load("lm_head.weight", dtype, device);
        var layers = Enumerable.Range(0, spec.Layers).Select(i => new DecoderLayer(spec, i, weights, dtype, device)).ToArray();
        return new CausalLanguageModel(spec, embedding, weights.Load("model.norm.weight", dtype, device), lmHead, layers, new RotaryEmbedding(spec.Rope, spec.HeadDim, spec.MaxPositions, dtype, device), dtype, device, cpuDecodeKernels);
    }

    /// <summary>
    /// Runs one step over the flattened new tokens of every sequence in <paramref name="batch"/> and returns float32
    /// logits [rows, vocab] for the token rows in <paramref name="logitRows"/> (usually each sequence's last token).
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor positions, AttentionBatch batch, PagedKvCache cache, Tensor logitRows)
    {
        if (cpuDecoder is not null && CpuDecoder.Takes(batch))
        {
            return cpuDecoder.Forward(inputIds, positions, batch, cache, logitRows);
        }

        using var scope = NewDisposeScope();
        var hidden = embedding.index_select(0, inputIds);
        var angles = rope.At(positions);
        var chunks = batch.Sequences.Where(s => s.QueryLength > 1);
        var prefills = PrefillGroup.Partition(chunks, cache.BlockSize, Spec.Heads / Spec.KeyValueHeads, Device);
        try
        {
            foreach (var layer in layers)
            {
                var next = layer.Forward(hidden, angles, batch, prefills, cache);
                hidden.Dispose();
                hidden = next;
            }
        }
        finally
        {
            foreach (var prefill in prefills)
            {
                prefill.Dispose();
            }
        }

        var lastRows = hidden.index_select(0, logitRows);
        var logits = linear(RmsNorm.Apply(lastRows, finalNorm, Spec.RmsNormEps), lmHead);
        return logits.to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        cpuDecoder?.Dispose();
        foreach (var layer in layers)
        {
            layer.Dispose();
        }

        if (!ReferenceEquals(lmHead, embedding))
        {
            lmHead.Dispose();
        }

        embedding.Dispose();
        finalNorm.Dispose();
        rope.Dispose();
    }
}
