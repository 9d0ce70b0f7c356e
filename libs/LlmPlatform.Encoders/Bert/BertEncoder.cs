using LlmPlatform.Torch;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LlmPlatform.Encoders.Bert;

/// <summary>
/// Hugging Face's BertModel forward pass on CPU in float32, from a directory's safetensors (the "bert." prefix of
/// task checkpoints accepted): embeddings (word + position + token type 0, LayerNorm), then the layers. Returns the
/// last hidden states; pooling is the caller's.
/// </summary>
internal sealed class BertEncoder : IDisposable
{
    private readonly Tensor wordEmbeddings, positionEmbeddings, tokenTypeEmbedding, embeddingNormWeight, embeddingNormBias;
    private readonly BertLayer[] layers;

    public BertEncoder(string directory, BertConfig config, int threads)
    {
        Config = config;
        var weights = SafetensorsWeights.Open(directory);
        // BertForMaskedLM and other task checkpoints store the encoder under "bert.".
        var prefix = weights.Contains("bert.embeddings.word_embeddings.weight") ? "bert." : "";
        Tensor Load(string name) => weights.Load(prefix + name, ScalarType.Float32, CPU);
        wordEmbeddings = Load("embeddings.word_embeddings.weight");
        positionEmbeddings = Load("embeddings.position_embeddings.weight");
        using (var types = Load("embeddings.token_type_embeddings.weight"))
        {
            // Sentence embeddings use token type 0 throughout; the row is added once per token.
            tokenTypeEmbedding = types[0].clone();
        }

        embeddingNormWeight = Load("embeddings.LayerNorm.weight");
        embeddingNormBias = Load("embeddings.LayerNorm.bias");
        layers = [.. Enumerable.Range(0, config.NumHiddenLayers).Select(i => new BertLayer(weights, $"{prefix}encoder.layer.{i}", config, threads))];
    }

    public BertConfig Config { get; }

    /// <param name="ids">[batch, length] int64 token ids, padded.</param>
    /// <param name="keyMask">[batch, 1, 1, length] bool, true on real tokens; null when nothing is padded.</param>
    /// <returns>[batch, length, hidden].</returns>
    public Tensor Forward(Tensor ids, Tensor? keyMask)
    {
        var length = ids.shape[1];
        var hidden = wordEmbeddings.index_select(0, ids.flatten()).view(ids.shape[0], length, Config.HiddenSize)
            .add_(positionEmbeddings.narrow(0, 0, length))
            .add_(tokenTypeEmbedding);
        hidden = layer_norm(hidden, [Config.HiddenSize], embeddingNormWeight, embeddingNormBias, Config.LayerNormEps);
        foreach (var layer in layers)
        {
            hidden = layer.Forward(hidden, keyMask);
        }

        return hidden;
    }

    public void Dispose()
    {
        foreach (var layer in layers)
        {
            layer.Dispose();
        }

        foreach (var tensor in new[] { wordEmbeddings, positionEmbeddings, tokenTypeEmbedding, embeddingNormWeight, embeddingNormBias })
        {
            tensor.Dispose();
        }
    }
}
