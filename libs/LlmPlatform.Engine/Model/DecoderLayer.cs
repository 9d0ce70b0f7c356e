using LlmPlatform.Engine.Attention;
using LlmPlatform.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LlmPlatform.Engine.Model;

/// <summary>
/// One Llama-family decoder layer: RMSNorm, grouped-query attention over the paged cache (q, k, v with optional
/// bias, rotary positions), residual; RMSNorm, SwiGLU MLP, residual.
/// </summary>
/// <remarks>
/// q, k and v are stored stacked in one [q + k + v rows, hidden] tensor, and gate and up in another; the separate
/// weights are views of their rows. Without the CPU decoder (on a GPU) each stack is one GEMM, and q and k are rotated
/// together: 8 of a layer's ~43 kernel launches fewer, where every launch waits on the host (docs/benchmarks.md, "The
/// engine on a GPU"). The CPU decoder reads the separate weights (CpuDecoder.Gemm.cs).
/// </remarks>
public sealed class DecoderLayer : IDisposable
{
    private readonly ModelSpec spec;
    private readonly int index;
    private readonly Tensor inputNorm, postAttentionNorm;
    private readonly Tensor qkvWeight, oWeight, gateUpWeight, downWeight;
    private readonly Tensor? qkvBias;
    private readonly Tensor qWeight, kWeight, vWeight, gateWeight, upWeight;
    private readonly Tensor? qBias, kBias, vBias;

    public DecoderLayer(ModelSpec spec, int index, SafetensorsWeights weights, ScalarType dtype, Device device)
    {
        this.spec = spec;
        this.index = index;
        var p = $"model.layers.{index}.";
        Tensor Load(string name) => weights.Load(p + name, dtype, device);
        Tensor Stack(params string[] names)
        {
            using var scope = NewDisposeScope();
            return cat(names.Select(Load).ToList(), 0).MoveToOuterDisposeScope();
        }

        inputNorm = Load("input_layernorm.weight");
        postAttentionNorm = Load("post_attention_layernorm.weight");
        qkvWeight = Stack("self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight");
        oWeight = Load("self_attn.o_proj.weight");
        gateUpWeight = Stack("mlp.gate_proj.weight", "mlp.up_proj.weight");
        downWeight = Load("mlp.down_proj.weight");
        if (spec.QkvBias)
        {
            qkvBias = Stack("self_attn.q_proj.bias", "self_attn.k_proj.bias", "self_attn.v_proj.bias");
        }

        var (queryRows, keyValueRows) = (spec.Heads * spec.HeadDim, spec.KeyValueHeads * spec.HeadDim);
        (qWeight, kWeight, vWeight) = (qkvWeight.narrow(0, 0, queryRows), qkvWeight.narrow(0, queryRows, keyValueRows), qkvWeight.narrow(0, queryRows + keyValueRows, keyValueRows));
        (qBias, kBias, vBias) = (qkvBias?.narrow(0, 0, queryRows), qkvBias?.narrow(0, queryRows, keyValueRows), qkvBias?.narrow(0, queryRows + keyValueRows, keyValueRows));
        (gateWeight, upWeight) = (gateUpWeight.narrow(0, 0, spec.IntermediateSize), gateUpWeight.narrow(0, spec.IntermediateSize, spec.IntermediateSize));
    }

    internal Tensor InputNormWeight => inputNorm;

    internal Tensor PostAttentionNormWeight => postAttentionNorm;

    /// <summary>q, k and v's weights stacked: [q + k + v rows, hidden].</summary>
    internal Tensor QkvWeight => qkvWeight;

    internal Tensor QWeight => qWeight;

    internal Tensor KWeight => kWeight;

    internal Tensor VWeight => vWeight;

    internal Tensor OWeight => oWeight;

    internal Tensor? QBias => qBias;

    internal Tensor? KBias => kBias;

    internal Tensor? VBias => vBias;

    internal Tensor GateWeight => gateWeight;

    internal Tensor UpWeight => upWeight;

    /// <summary>gate_proj's rows, then up_proj's: [2 × intermediate, hidden].</summary>
    internal Tensor GateUpWeight => gateUpWeight;

    internal Tensor DownWeight => downWeight;

    /// <summary>
    /// Hidden states [tokens, hidden] in, hidden states out; this layer's new K/V are written to the cache. The step's
    /// prefill chunks come grouped in <paramref name="prefills"/>.
    /// </summary>
    internal Tensor Forward(Tensor hidden, RotaryAngles angles, AttentionBatch batch, IReadOnlyList<PrefillGroup> prefills, PagedKvCache cache)
    {
        using var scope = NewDisposeScope();
        var attended = hidden + Attention(RmsNorm.Apply(hidden, inputNorm, spec.RmsNormEps), angles, batch, prefills, cache);
        var output = attended + Mlp(RmsNorm.Apply(attended, postAttentionNorm, spec.RmsNormEps));
        return output.MoveToOuterDisposeScope();
    }

    private Tensor Attention(Tensor x, RotaryAngles angles, AttentionBatch batch, IReadOnlyList<PrefillGroup> prefills, PagedKvCache cache)
    {
        var (q, k, v) = StackedQkv(x, angles);
        cache.Write(index, k, v, batch.SlotMapping);

        if (batch.Decodes is { } decodes && prefills.Count == 0)
        {
            // A pure decode step: rows are the decodes in order.
            return linear(DecodeAttention(q, decodes, cache), oWeight);
        }

        // Every row is written below: by the decode group and by the prefill groups.
        var merged = empty(x.shape[0], spec.Heads * spec.HeadDim, q.dtype, q.device);
        if (batch.Decodes is { } group)
        {
            merged.index_copy_(0, group.Rows, DecodeAttention(q.index_select(0, group.Rows), group, cache));
        }

        foreach (var prefill in prefills)
        {
            merged.index_copy_(0, prefill.TargetRows, PrefillAttention(q, prefill, cache));
        }

        return linear(merged, oWeight);
    }

    /// <summary>q, k and v [tokens, heads, head_dim], q and k rotated: one GEMM over the stacked weights, one rotation of q and k together.</summary>
    private (Tensor Q, Tensor K, Tensor V) StackedQkv(Tensor x, RotaryAngles angles)
    {
        var (tokens, heads, keyValueHeads) = (x.shape[0], spec.Heads, spec.KeyValueHeads);
        var qkv = linear(x, qkvWeight, qkvBias);
        var rotated = RotaryEmbedding.Apply(qkv.narrow(1, 0, (heads + keyValueHeads) * spec.HeadDim).view(tokens, heads + keyValueHeads, spec.HeadDim), angles);
        var v = qkv.narrow(1, (heads + keyValueHeads) * spec.HeadDim, keyValueHeads * spec.HeadDim).view(tokens, keyValueHeads, spec.HeadDim);
        return (rotated.narrow(1, 0, heads), rotated.narrow(1, heads, keyValueHeads), v);
    }

    /// <summary>
    /// All single-token sequences at once, in one SDPA call: their contexts gathered padded to the longest, a mask
    /// hiding the padding, and each sequence's query heads grouped under their KV head ([sequences, kv_heads, group, head_dim]).
    /// </summary>
    private Tensor DecodeAttention(Tensor q, DecodeGroup decodes, PagedKvCache cache)
    {
        var group = spec.Heads / spec.KeyValueHeads;
        var (key, value) = cache.ReadPadded(index, decodes.BlockTables, decodes.Count, decodes.MaxBlocks);
        var grouped = q.view(decodes.Count, spec.KeyValueHeads, group, spec.HeadDim);
        var output = scaled_dot_product_attention(grouped, key, value, decodes.Mask(cache.BlockSize));
        return output.reshape(decodes.Count, spec.Heads * spec.HeadDim);
    }

    /// <summary>
    /// A group of prefill chunks in one SDPA call, each chunk's new queries over its whole cached context. Queries
    /// are padded to the group's longest chunk and their heads grouped under their KV head
    /// ([chunks, kv_heads, group × queries, head_dim]), so that K/V are read once per KV head instead of being
    /// repeated per query head; the group's mask keeps each query to its causal context. Returns the real queries'
    /// rows [queries, heads × head_dim], in the order of <see cref="PrefillGroup.TargetRows"/>.
    /// </summary>
    private Tensor PrefillAttention(Tensor q, PrefillGroup prefill, PagedKvCache cache)
    {
        var (chunks, queries, group) = (prefill.Count, prefill.MaxQueries, spec.Heads / spec.KeyValueHeads);
        var (key, value) = cache.ReadPadded(index, prefill.BlockTables, chunks, prefill.MaxBlocks);
        var grouped = q.index_select(0, prefill.QueryRows).view(chunks, queries, spec.KeyValueHeads, group, spec.HeadDim)
            .permute(0, 2, 3, 1, 4).reshape(chunks, spec.KeyValueHeads, group * queries, spec.HeadDim);
        var output = scaled_dot_product_attention(grouped, key, value, prefill.Mask);
        var rows = output.view(chunks, spec.KeyValueHeads, group, queries, spec.HeadDim).permute(0, 3, 1, 2, 4).reshape(chunks * queries, spec.Heads * spec.HeadDim);
        return prefill.ValidPositions is { } valid ? rows.index_select(0, valid) : rows;
    }

    private Tensor Mlp(Tensor x)
    {
        var gateUp = linear(x, gateUpWeight);
        return linear(silu(gateUp.narrow(1, 0, spec.IntermediateSize)) * gateUp.narrow(1, spec.IntermediateSize, spec.IntermediateSize), downWeight);
    }

    public void Dispose()
    {
        foreach (var tensor in new[] { qWeight, kWeight, vWeight, qBias, kBias, vBias, gateWeight, upWeight, inputNorm, postAttentionNorm, qkvWeight, qkvBias, oWeight, gateUpWeight, downWeight })
        {
            tensor?.Dispose();
        }
    }
}
