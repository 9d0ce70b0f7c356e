using System.ComponentModel.DataAnnotations;

namespace LlmPlatform.GpuWorker;

/// <summary>The model a worker serves and where it computes. Bound from <c>Engine</c>; vLLM's flags map onto it.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Engine";

    /// <summary>Hugging Face model directory (<c>--model</c>). Empty: the demo model, prepared in the model cache.</summary>
    public string? Model { get; set; }

    /// <summary>The name clients use in the <c>model</c> field (<c>--served-model-name</c>). Default: the directory name.</summary>
    public string? ServedModelName { get; set; }

    /// <summary><c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (<c>--device</c>).</summary>
    [Required]
    [RegularExpression("^(auto|cpu|cuda(:[0-9]+)?)$", ErrorMessage = "Engine:Device must be auto, cpu, cuda or cuda:N.")]
    public string Device { get; set; } = "auto";

    /// <summary>
    /// Accept a <c>chat_template</c> in requests (<c>--trust-request-chat-template true</c>). Off by default, as in
    /// vLLM: a template is a program, and a client's template can loop for as long as it likes.
    /// </summary>
    public bool TrustRequestChatTemplate { get; set; }

    /// <summary>Where generated models are cached (<c>Models:CacheDirectory</c>); default ~/.cache/llmplatform/models.</summary>
    public string? ModelCacheDirectory { get; set; }

    /// <summary>vLLM's flag names, mapped onto these keys.</summary>
    public static IReadOnlyDictionary<string, string> CommandLineFlags { get; } = new Dictionary<string, string>
    {
        ["--model"] = $"{Section}:{nameof(Model)}",
        ["--served-model-name"] = $"{Section}:{nameof(ServedModelName)}",
        ["--device"] = $"{Section}:{nameof(Device)}",
        ["--model-cache-dir"] = $"{Section}:{nameof(ModelCacheDirectory)}",
        ["--trust-request-chat-template"] = $"{Section}:{nameof(TrustRequestChatTemplate)}",
    };
}
