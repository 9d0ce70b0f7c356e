using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmPlatform.Models.HuggingFace;

/// <summary>
/// The fields of a Hugging Face <c>config.json</c> that a decoder-only model needs. Names follow transformers'
/// spelling; fields a model family leaves out take transformers' defaults.
/// </summary>
public sealed record ModelConfig
{
    public IReadOnlyList<string> Architectures { get; init; } = [];

    public string ModelType { get; init; } = "";

    public int HiddenSize { get; init; }

    public int IntermediateSize { get; init; }

    public int NumHiddenLayers { get; init; }

    public int NumAttentionHeads { get; init; }

    /// <summary>Defaults to <see cref="NumAttentionHeads"/> (no grouped-query attention) when absent.</summary>
    public int? NumKeyValueHeads { get; init; }

    /// <summary>Defaults to hidden_size / num_attention_heads when absent.</summary>
    public int? HeadDim { get; init; }

    public int VocabSize { get; init; }

    public int MaxPositionEmbeddings { get; init; } = 2048;

    public double RmsNormEps { get; init; } = 1e-6;

    public double RopeTheta { get; init; } = 10000.0;

    public JsonElement? RopeScaling { get; init; }

    public bool TieWordEmbeddings { get; init; }

    public bool AttentionBias { get; init; }

    public string HiddenAct { get; init; } = "silu";

    public string? TorchDtype { get; init; }

    [JsonConverter(typeof(TokenIdsConverter))]
    public IReadOnlyList<int> BosTokenId { get; init; } = [];

    [JsonConverter(typeof(TokenIdsConverter))]
    public IReadOnlyList<int> EosTokenId { get; init; } = [];

    [JsonIgnore]
    public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;

    [JsonIgnore]
    public int HeadDimension => HeadDim ?? HiddenSize / NumAttentionHeads;

    [JsonIgnore]
    public string Architecture => Architectures.Count > 0 ? Architectures[0] : throw new InvalidDataException("config.json names no architecture.");

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
    };

    public static ModelConfig Load(string configPath)
    {
        using var stream = File.OpenRead(configPath);
        ModelConfig? config;
        try
        {
            config = JsonSerializer.Deserialize<ModelConfig>(stream, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{configPath}' is not a valid config.json: {e.Message}", e);
        }

        if (config is null || config.HiddenSize <= 0 || config.NumHiddenLayers <= 0 || config.NumAttentionHeads <= 0 || config.VocabSize <= 0)
        {
            throw new InvalidDataException($"'{configPath}' lacks hidden_size, num_hidden_layers, num_attention_heads or vocab_size.");
        }

        return config;
    }

    public void Save(string configPath) => File.WriteAllText(configPath, JsonSerializer.Serialize(this, JsonOptions));

    /// <summary>transformers writes token ids as a single integer or as a list; both read as a list.</summary>
    private sealed class TokenIdsConverter : JsonConverter<IReadOnlyList<int>>
    {
        public override IReadOnlyList<int> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.Null => [],
            JsonTokenType.Number => [reader.GetInt32()],
            JsonTokenType.StartArray => JsonSerializer.Deserialize<int[]>(ref reader, options) ?? [],
            _ => throw new JsonException("Expected a token id or a list of token ids."),
        };

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<int> value, JsonSerializerOptions options)
        {
            if (value.Count == 1)
            {
                writer.WriteNumberValue(value[0]);
                return;
            }

            JsonSerializer.Serialize(writer, value.ToArray(), options);
        }
    }
}
