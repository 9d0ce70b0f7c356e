using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmPlatform.Encoders.Bert;

/// <summary>The fields of a BERT-family config.json that the encoder's forward pass needs.</summary>
public sealed record BertConfig
{
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The architectures the forward pass implements: the bare encoder, or a masked-LM checkpoint whose head is ignored.</summary>
    public static IReadOnlySet<string> SupportedArchitectures { get; } = new HashSet<string>(StringComparer.Ordinal) { "BertModel", "BertForMaskedLM" };

    public IReadOnlyList<string> Architectures { get; init; } = [];

    public string ModelType { get; init; } = "";

    public int VocabSize { get; init; }

    public int HiddenSize { get; init; }

    public int NumHiddenLayers { get; init; }

    public int NumAttentionHeads { get; init; }

    public int IntermediateSize { get; init; }

    public string HiddenAct { get; init; } = "gelu";

    public int MaxPositionEmbeddings { get; init; } = 512;

    public int TypeVocabSize { get; init; } = 2;

    public double LayerNormEps { get; init; } = 1e-12;

    [JsonIgnore]
    public int HeadDim => HiddenSize / NumAttentionHeads;

    public static BertConfig Load(string path)
    {
        var config = JsonSerializer.Deserialize<BertConfig>(File.ReadAllText(path), JsonOptions)
            ?? throw new InvalidDataException($"{path} is empty.");
        var architecture = config.Architectures.FirstOrDefault() ?? (config.ModelType == "bert" ? "BertModel" : "");
        if (!SupportedArchitectures.Contains(architecture))
        {
            throw new NotSupportedException(
                $"{path}: architecture '{architecture}' (model_type '{config.ModelType}') is not supported by the encoder; supported: {string.Join(", ", SupportedArchitectures)}.");
        }

        if (config.HiddenAct != "gelu")
        {
            throw new NotSupportedException($"{path}: hidden_act '{config.HiddenAct}' is not supported; the encoder implements BERT's exact gelu.");
        }

        if (config.HiddenSize <= 0 || config.NumAttentionHeads <= 0 || config.HiddenSize % config.NumAttentionHeads != 0 || config.NumHiddenLayers <= 0)
        {
            throw new InvalidDataException($"{path}: hidden_size {config.HiddenSize} must be a positive multiple of num_attention_heads {config.NumAttentionHeads}, with layers.");
        }

        return config;
    }
}
