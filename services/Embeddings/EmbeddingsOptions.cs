namespace LlmPlatform.Embeddings;

/// <summary>The encoder model the service runs. Bound from <c>Embeddings</c>; vLLM's flag names map onto it.</summary>
public sealed class EmbeddingsOptions
{
    public const string Section = "Embeddings";

    /// <summary>Hugging Face BERT-family directory (<c>--model</c>).</summary>
    public string? Model { get; set; }

    /// <summary>The name clients use in the <c>model</c> field (<c>--served-model-name</c>). Default: the directory name.</summary>
    public string? ServedModelName { get; set; }

    public static IReadOnlyDictionary<string, string> CommandLineFlags { get; } = new Dictionary<string, string>
    {
        ["--model"] = $"{Section}:{nameof(Model)}",
        ["--served-model-name"] = $"{Section}:{nameof(ServedModelName)}",
    };
}
