using System.Text.Json;
using LlmPlatform.Models.HuggingFace;

namespace LlmPlatform.Engine.Model;

/// <summary>
/// What the forward pass needs from config.json, checked once: the architecture is one the engine runs and the
/// dimensions are consistent. Llama, Mistral and Qwen2 share one layout; Qwen2 adds biases to q, k and v.
/// </summary>
public sealed record ModelSpec
{
    public static readonly IReadOnlySet<string> SupportedArchitectures = new HashSet<string> { "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM" };

    public required string Architecture { get; init; }

    public required int HiddenSize { get; init; }

    public required int IntermediateSize { get; init; }

    public required int Layers { get; init; }

    public required int Heads { get; init; }

    public required int KeyValueHeads { get; init; }

    public required int HeadDim { get; init; }

    public required int VocabSize { get; init; }

    public required int MaxPositions { get; init; }

    public required double RmsNormEps { get; init; }

    public required bool TieWordEmbeddings { get; init; }

    public required bool QkvBias { get; init; }

    public required RopeSpec Rope { get; init; }

    public static ModelSpec From(ModelConfig config)
    {
        if (!SupportedArchitectures.Contains(config.Architecture))
        {
            throw new NotSupportedException($"Architecture '{config.Architecture}' is not supported; the engine runs {string.Join(", ", SupportedArchitectures)}.");
        }

        if (config.NumAttentionHeads % config.KeyValueHeads != 0)
        {
            throw new InvalidDataException($"num_attention_heads {config.NumAttentionHeads} is not a multiple of num_key_value_heads {config.KeyValueHeads}.");
        }

        return new ModelSpec
        {
            Architecture = config.Architecture,
            HiddenSize = config.HiddenSize,
            IntermediateSize = config.IntermediateSize,
            Layers = config.NumHiddenLayers,
            Heads = config.NumAttentionHeads,
            KeyValueHeads = config.KeyValueHeads,
            HeadDim = config.HeadDimension,
            VocabSize = config.VocabSize,
            MaxPositions = config.MaxPositionEmbeddings,
            RmsNormEps = config.RmsNormEps,
            TieWordEmbeddings = config.TieWordEmbeddings,
            QkvBias = config.Architecture == "Qwen2ForCausalLM" || config.AttentionBias,
            Rope = RopeSpec.From(config.RopeTheta, config.RopeScaling),
        };
    }
}

/// <summary>Rotary embedding settings: base theta and the optional rope_scaling (linear, llama3).</summary>
public sealed record RopeSpec(double Theta, string Type, double Factor, double LowFreqFactor, double HighFreqFactor, int OriginalMaxPositions)
{
    public static RopeSpec From(double theta, JsonElement? scaling)
    {
        if (scaling is not { ValueKind: JsonValueKind.Object } s)
        {
            return new RopeSpec(theta, "default", 1, 1, 1, 0);
        }

        var type = s.TryGetProperty("rope_type", out var rt) ? rt.GetString() : s.TryGetProperty("type", out var t) ? t.GetString() : null;
        double Number(string name, double fallback) => s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : fallback;
        return type switch
        {
            "default" => new RopeSpec(theta, "default", 1, 1, 1, 0),
            "linear" => new RopeSpec(theta, "linear", Number("factor", 1), 1, 1, 0),
            "llama3" => new RopeSpec(theta, "llama3", Number("factor", 8), Number("low_freq_factor", 1), Number("high_freq_factor", 4), (int)Number("original_max_position_embeddings", 8192)),
            _ => throw new NotSupportedException($"rope_scaling type '{type}' is not supported; the engine supports linear and llama3."),
        };
    }
}
