using System.ComponentModel.DataAnnotations;

namespace LlmPlatform.Embeddings;

/// <summary>The encoder model the service runs and how it batches. Bound from <c>Embeddings</c>; vLLM's flag names map onto it.</summary>
public sealed class EmbeddingsOptions
{
    public const string Section = "Embeddings";

    /// <summary>
    /// Hugging Face sentence-transformers directory of a BERT-family model (<c>--model</c>). Empty: all-MiniLM-L6-v2,
    /// prepared in the model cache on first start.
    /// </summary>
    public string? Model { get; set; }

    /// <summary>The name clients use in the <c>model</c> field (<c>--served-model-name</c>). Default: the directory name.</summary>
    public string? ServedModelName { get; set; }

    /// <summary>Where the default model is prepared (<c>--model-cache-dir</c>); default as the demo LLM's cache.</summary>
    public string? ModelCacheDirectory { get; set; }

    /// <summary>
    /// How long an idle batcher waits, after the first input arrives, for more to join its batch (milliseconds). While a
    /// batch runs, arrivals queue anyway, so the window only costs latency when the service is idle.
    /// </summary>
    [Range(0, 1000)]
    public double BatchWindowMilliseconds { get; set; } = 2;

    /// <summary>Most inputs in one forward pass (<c>--max-num-seqs</c>).</summary>
    [Range(1, 4096)]
    public int MaxBatchInputs { get; set; } = 64;

    /// <summary>
    /// Most tokens in one forward pass, padding included: inputs × the longest of them (<c>--max-num-batched-tokens</c>).
    /// At least the model's maximum input length, so that any single input fits.
    /// </summary>
    [Range(1, 1 << 22)]
    public int MaxBatchTokens { get; set; } = 8192;

    /// <summary>Most inputs one request may carry (OpenAI's limit is 2,048).</summary>
    [Range(1, 1 << 20)]
    public int MaxInputsPerRequest { get; set; } = 2048;

    /// <summary>Torch intra-op threads; 0 leaves libtorch's default (one per core).</summary>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>vLLM's flag names, mapped onto these keys.</summary>
    public static IReadOnlyDictionary<string, string> CommandLineFlags { get; } = new Dictionary<string, string>
    {
        ["--model"] = $"{Section}:{nameof(Model)}",
        ["--served-model-name"] = $"{Section}:{nameof(ServedModelName)}",
        ["--model-cache-dir"] = $"{Section}:{nameof(ModelCacheDirectory)}",
        ["--max-num-seqs"] = $"{Section}:{nameof(MaxBatchInputs)}",
        ["--max-num-batched-tokens"] = $"{Section}:{nameof(MaxBatchTokens)}",
    };
}
