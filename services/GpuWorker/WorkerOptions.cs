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
    /// Compute dtype (<c>--dtype</c>): <c>auto</c> (float32 for float32 weights, else bfloat16), <c>float32</c>,
    /// <c>bfloat16</c>, or <c>float16</c> (CUDA only: fp16 matmul on CPU is ~100x slower than float32).
    /// </summary>
    [RegularExpression("^(auto|float32|bfloat16|float16)$", ErrorMessage = "Engine:DType must be auto, float32, bfloat16 or float16.")]
    public string DType { get; set; } = "auto";

    /// <summary>Tokens per KV cache block (<c>--block-size</c>).</summary>
    [Range(1, 256)]
    public int BlockSize { get; set; } = 16;

    /// <summary>Most sequences in one step (<c>--max-num-seqs</c>).</summary>
    [Range(1, 4096)]
    public int MaxNumSeqs { get; set; } = 256;

    /// <summary>Token budget of one step, prefill chunks included (<c>--max-num-batched-tokens</c>).</summary>
    [Range(1, 1 << 20)]
    public int MaxNumBatchedTokens { get; set; } = 8192;

    /// <summary>Context length (<c>--max-model-len</c>). Default: the model's max_position_embeddings.</summary>
    [Range(1, int.MaxValue)]
    public int? MaxModelLen { get; set; }

    /// <summary>
    /// Memory for the KV cache pool, in bytes (<c>--kv-cache-memory</c>), allocated at startup, on any device. Unset:
    /// 512 MiB on a CPU (the demo model on a laptop; size it to the machine for real models), and on a GPU what
    /// <see cref="GpuMemoryUtilization"/> leaves (<c>KvCacheBudget</c>).
    /// </summary>
    [Range(1L << 20, long.MaxValue)]
    public long? KvCacheMemory { get; set; }

    /// <summary>
    /// On a GPU without <see cref="KvCacheMemory"/>: the share of the device's memory this worker may hold, weights and
    /// KV pool together (<c>--gpu-memory-utilization</c>, as vLLM's).
    /// </summary>
    [Range(0.01, 1.0)]
    public double GpuMemoryUtilization { get; set; } = 0.9;

    /// <summary>Automatic prefix caching (<c>--enable-prefix-caching true|false</c>).</summary>
    public bool EnablePrefixCaching { get; set; } = true;

    /// <summary>
    /// On a CPU, every step runs on the engine's C# kernels and its team of threads (the projections of steps of more
    /// than 4 tokens as libtorch GEMMs on each thread's share of the weights) instead of libtorch's forward
    /// (<c>--cpu-decode-kernels true|false</c>; no effect on CUDA). See docs/engine.md.
    /// </summary>
    public bool CpuDecodeKernels { get; set; } = true;

    /// <summary>
    /// Threads this worker computes with on a CPU: the engine's team and libtorch's own (<c>--cpu-threads</c>). 0:
    /// libtorch's default, one per core. Workers that share a host should split its cores between them (the AppHost
    /// does): a team meets at a barrier several times a layer, and a team whose threads wait for cores that other
    /// workers' teams hold is slower than one thread (docs/operations.md).
    /// </summary>
    [Range(0, 4096)]
    public int CpuThreads { get; set; }

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
        ["--dtype"] = $"{Section}:{nameof(DType)}",
        ["--block-size"] = $"{Section}:{nameof(BlockSize)}",
        ["--max-num-seqs"] = $"{Section}:{nameof(MaxNumSeqs)}",
        ["--max-num-batched-tokens"] = $"{Section}:{nameof(MaxNumBatchedTokens)}",
        ["--max-model-len"] = $"{Section}:{nameof(MaxModelLen)}",
        ["--kv-cache-memory"] = $"{Section}:{nameof(KvCacheMemory)}",
        ["--gpu-memory-utilization"] = $"{Section}:{nameof(GpuMemoryUtilization)}",
        ["--enable-prefix-caching"] = $"{Section}:{nameof(EnablePrefixCaching)}",
        ["--cpu-decode-kernels"] = $"{Section}:{nameof(CpuDecodeKernels)}",
        ["--cpu-threads"] = $"{Section}:{nameof(CpuThreads)}",
    };
}
