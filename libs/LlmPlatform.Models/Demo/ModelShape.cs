namespace LlmPlatform.Models.Demo;

/// <summary>
/// The architecture and dimensions of a generated random-weight model. The vocabulary is always GPT-2's plus
/// ChatML's special tokens, so <see cref="VocabSize"/> is a lower bound: the written vocab_size is the larger of it
/// and the tokenizer's size rounded up to a multiple of 64.
/// </summary>
public sealed record ModelShape
{
    public required string Name { get; init; }

    /// <summary>One of <see cref="SupportedArchitectures"/>.</summary>
    public string Architecture { get; init; } = "LlamaForCausalLM";

    public required int HiddenSize { get; init; }

    public required int IntermediateSize { get; init; }

    public required int Layers { get; init; }

    public required int Heads { get; init; }

    public required int KeyValueHeads { get; init; }

    public int VocabSize { get; init; }

    public int MaxPositionEmbeddings { get; init; } = 2048;

    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>config.json's rope_scaling object (e.g. {"rope_type": "llama3", ...}), or null.</summary>
    public System.Text.Json.JsonElement? RopeScaling { get; init; }

    public double RmsNormEps { get; init; } = 1e-5;

    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>Safetensors dtype of the weights: BF16 (as most published models), F16 or F32.</summary>
    public string DType { get; init; } = "BF16";

    public int HeadDim => HiddenSize / Heads;

    /// <summary>Qwen2 is the Llama layout with biases on the q, k and v projections.</summary>
    public bool QkvBias => Architecture == "Qwen2ForCausalLM";

    public static IReadOnlyDictionary<string, string> SupportedArchitectures { get; } = new Dictionary<string, string>
    {
        ["LlamaForCausalLM"] = "llama",
        ["MistralForCausalLM"] = "mistral",
        ["Qwen2ForCausalLM"] = "qwen2",
    };

    /// <summary>
    /// The default demo model: about 29 M parameters (most of them the tied 50k x 384 embedding), small enough for
    /// two workers to answer quickly on two CPU cores, with grouped-query attention (6 query heads, 2 KV heads).
    /// </summary>
    public static ModelShape Demo { get; } = new()
    {
        // Context for the routing benchmarks' 4,000-token conversations. The name carries it because the model cache is
        // keyed by name: a cached copy with another context must not be taken for this one.
        Name = "demo-llama-29m-8k",
        MaxPositionEmbeddings = 8192,
        HiddenSize = 384,
        IntermediateSize = 1024,
        Layers = 6,
        Heads = 6,
        KeyValueHeads = 2,
    };

    /// <summary>SmolLM-135M's dimensions (vocab widened to GPT-2's), for benchmarks that need a realistic size.</summary>
    public static ModelShape SmolLm135M { get; } = new()
    {
        Name = "smollm-135m-shape",
        HiddenSize = 576,
        IntermediateSize = 1536,
        Layers = 30,
        Heads = 9,
        KeyValueHeads = 3,
        VocabSize = 49152,
    };

    public static IReadOnlyDictionary<string, ModelShape> Presets { get; } = new Dictionary<string, ModelShape>(StringComparer.OrdinalIgnoreCase)
    {
        ["demo"] = Demo,
        ["smollm-135m"] = SmolLm135M,
    };

    public void Validate()
    {
        if (!SupportedArchitectures.ContainsKey(Architecture))
        {
            throw new ArgumentException($"Architecture '{Architecture}' is not one of {string.Join(", ", SupportedArchitectures.Keys)}.");
        }

        if (HiddenSize <= 0 || IntermediateSize <= 0 || Layers <= 0 || Heads <= 0 || KeyValueHeads <= 0)
        {
            throw new ArgumentException("Every dimension of a model shape must be positive.");
        }

        if (HiddenSize % Heads != 0 || Heads % KeyValueHeads != 0)
        {
            throw new ArgumentException($"hidden_size {HiddenSize} must divide into {Heads} heads, and the heads into {KeyValueHeads} KV-head groups.");
        }

        if (DType is not ("BF16" or "F16" or "F32"))
        {
            throw new ArgumentException($"Weights dtype '{DType}' is not one of BF16, F16, F32.");
        }
    }
}
