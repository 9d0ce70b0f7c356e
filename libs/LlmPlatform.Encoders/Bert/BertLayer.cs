using LlmPlatform.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LlmPlatform.Encoders.Bert;

/// <summary>
/// One post-norm BERT layer: self-attention with its residual and LayerNorm, then the GELU MLP with its own. The
/// query, key and value projections are concatenated at load into one matrix, so a layer is one projection matmul
/// fewer: at batch 1 on short inputs the per-call overhead, not the arithmetic, is what costs.
/// </summary>
internal sealed class BertLayer : IDisposable
{
    private readonly BertConfig config;
    private readonly Tensor qkvWeight, qkvBias, attentionOutWeight, attentionOutBias, attentionNormWeight, attentionNormBias;
    private readonly Tensor intermediateWeight, intermediateBias, outputWeight, outputBias, outputNormWeight, outputNormBias;

    public BertLayer(SafetensorsWeights weights, string prefix, BertConfig config)
    {
        this.config = config;
        Tensor Load(string name) => weights.Load($"{prefix}.{name}", ScalarType.Float32, CPU);
        using (NewDisposeScope())
        {
            qkvWeight = cat([Load("attention.self.query.weight"), Load("attention.self.key.weight"), Load("attention.self.value.weight")], 0).DetachFromDisposeScope();
            qkvBias = cat([Load("attention.self.query.bias"), Load("attention.self.key.bias"), Load("attention.self.value.bias")], 0).DetachFromDisposeScope();
        }

        attentionOutWeight = Load("attention.output.dense.weight");
        attentionOutBias = Load("attention.output.dense.bias");
        attentionNormWeight = Load("attention.output.LayerNorm.weight");
        attentionNormBias = Load("attention.output.LayerNorm.bias");
        intermediateWeight = Load("intermediate.dense.weight");
        intermediateBias = Load("intermediate.dense.bias");
        outputWeight = Load("output.dense.weight");
        outputBias = Load("output.dense.bias");
        outputNormWeight = Load("output.LayerNorm.weight");
        outputNormBias = Load("output.LayerNorm.bias");
    }

    /// <param name="hidden">[batch, length, hidden].</param>
    /// <param name="keyMask">[batch, 1, 1, length], true where a key is a real token; null when nothing is padded.</param>
    public Tensor Forward(Tensor hidden, Tensor? keyMask)
    {
        var (batch, length) = (hidden.shape[0], hidden.shape[1]);
        var heads = config.NumAttentionHeads;
        // [batch, length, 3, heads, head_dim] -> three [batch, heads, length, head_dim]
        var qkv = linear(hidden, qkvWeight, qkvBias).view(batch, length, 3, heads, config.HeadDim).permute(2, 0, 3, 1, 4);
        var attended = scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], keyMask)
            .transpose(1, 2).reshape(batch, length, config.HiddenSize);
        var normEps = config.LayerNormEps;
        hidden = layer_norm(linear(attended, attentionOutWeight, attentionOutBias).add_(hidden), [config.HiddenSize], attentionNormWeight, attentionNormBias, normEps);
        var intermediate = gelu(linear(hidden, intermediateWeight, intermediateBias));
        return layer_norm(linear(intermediate, outputWeight, outputBias).add_(hidden), [config.HiddenSize], outputNormWeight, outputNormBias, normEps);
    }

    public void Dispose()
    {
        foreach (var tensor in new[] { qkvWeight, qkvBias, attentionOutWeight, attentionOutBias, attentionNormWeight, attentionNormBias,
                     intermediateWeight, intermediateBias, outputWeight, outputBias, outputNormWeight, outputNormBias })
        {
            tensor.Dispose();
        }
    }
}
