using LlmPlatform.Torch;
using LlmPlatform.Torch.Cpu;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LlmPlatform.Encoders.Bert;

/// <summary>
/// One post-norm BERT layer: self-attention with its residual and LayerNorm, then the GELU MLP with its own. The four
/// projections run in <see cref="PackedLinear"/>, not libtorch: on this class of CPU libtorch's float32 GEMM takes a
/// slow path (about 40% of what the hardware does, docs/benchmarks.md), and the projections are most of a layer's
/// arithmetic. The query, key and value projections are concatenated at load into one, so the three share one pass
/// over the input.
/// </summary>
internal sealed class BertLayer : IDisposable
{
    private readonly BertConfig config;
    private readonly PackedLinear queryKeyValue, attentionOutput, intermediate, output;
    private readonly Tensor attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias;

    public BertLayer(SafetensorsWeights weights, string prefix, BertConfig config, int threads)
    {
        this.config = config;
        Tensor Load(string name) => weights.Load($"{prefix}.{name}", ScalarType.Float32, CPU);
        PackedLinear Linear(string name)
        {
            using var weight = Load($"{name}.weight");
            using var bias = Load($"{name}.bias");
            return new PackedLinear(weight, bias, threads);
        }

        using (NewDisposeScope())
        {
            queryKeyValue = new PackedLinear(
                cat([Load("attention.self.query.weight"), Load("attention.self.key.weight"), Load("attention.self.value.weight")], 0),
                cat([Load("attention.self.query.bias"), Load("attention.self.key.bias"), Load("attention.self.value.bias")], 0),
                threads);
        }

        attentionOutput = Linear("attention.output.dense");
        intermediate = Linear("intermediate.dense");
        output = Linear("output.dense");
        attentionNormWeight = Load("attention.output.LayerNorm.weight");
        attentionNormBias = Load("attention.output.LayerNorm.bias");
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
        var qkv = queryKeyValue.Forward(hidden).view(batch, length, 3, heads, config.HeadDim).permute(2, 0, 3, 1, 4);
        var attended = scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], keyMask)
            .transpose(1, 2).reshape(batch, length, config.HiddenSize);
        var normEps = config.LayerNormEps;
        hidden = layer_norm(attentionOutput.Forward(attended).add_(hidden), [config.HiddenSize], attentionNormWeight, attentionNormBias, normEps);
        var expanded = gelu(intermediate.Forward(hidden));
        return layer_norm(output.Forward(expanded).add_(hidden), [config.HiddenSize], outputNormWeight, outputNormBias, normEps);
    }

    public void Dispose()
    {
        foreach (var linear in new[] { queryKeyValue, attentionOutput, intermediate, output })
        {
            linear.Dispose();
        }

        foreach (var tensor in new[] { attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias })
        {
            tensor.Dispose();
        }
    }
}
