using System.Diagnostics.Metrics;
using LlmPlatform.Engine;
using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Metrics;
using LlmPlatform.Engine.Model;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.Scheduling;
using LlmPlatform.Torch;
using Microsoft.Extensions.Options;
using TorchSharp;

namespace LlmPlatform.GpuWorker;

/// <summary>
/// The worker's engine, built once at startup from the served model and the engine settings: the model's weights in
/// the compute dtype, the KV pool sized from its memory budget, the scheduler and the engine loop.
/// </summary>
public sealed class EngineHost : IDisposable
{
    private readonly CausalLanguageModel model;
    private readonly PagedKvCache cache;
    private readonly EngineMetrics metrics;

    public EngineHost(ServedModel served, IOptions<WorkerOptions> options, IMeterFactory meters, ILogger<EngineHost> logger)
    {
        var settings = options.Value;
        var device = torch.device(served.Device.Device);
        DType = ComputeType(settings.DType, served.Directory.Config.TorchDtype);
        // On a GPU the pool's share is what this worker's model leaves of its own share: the model's bytes are the
        // device memory that loading it took, so that other workers on the same device count only against theirs.
        var sizedByUtilization = settings.KvCacheMemory is null && device.type == DeviceType.CUDA;
        var beforeLoading = sizedByUtilization ? CudaMemory.Query(CudaIndex(device)) : default;
        model = CausalLanguageModel.Load(served.Directory, DType, device, settings.CpuDecodeKernels);
        MaxModelLen = settings.MaxModelLen ?? served.Directory.Config.MaxPositionEmbeddings;
        var spec = model.Spec;
        var (budget, source) = sizedByUtilization
            ? GpuBudget(settings, spec, beforeLoading, CudaMemory.Query(CudaIndex(device)))
            : (settings.KvCacheMemory ?? KvCacheBudget.CpuDefault, settings.KvCacheMemory is null ? "the CPU default; set --kv-cache-memory" : "Engine:KvCacheMemory, --kv-cache-memory");
        Blocks = PagedKvCache.BlocksFor(budget, spec.Layers, settings.BlockSize, spec.KeyValueHeads, spec.HeadDim, DType);
        if ((long)Blocks * settings.BlockSize < MaxModelLen)
        {
            throw new InvalidOperationException(
                $"The KV cache budget of {budget} bytes ({source}) holds {Blocks} blocks of {settings.BlockSize} tokens, fewer than one sequence of max_model_len {MaxModelLen} needs; raise it or lower --max-model-len.");
        }

        BlockSize = settings.BlockSize;
        cache = new PagedKvCache(spec.Layers, Blocks, settings.BlockSize, spec.KeyValueHeads, spec.HeadDim, DType, device);
        var eos = GenerationConfig.EosTokenIds(served.Directory);
        Scheduler = new Scheduler(new SchedulerOptions(Blocks, MaxModelLen, settings.BlockSize, settings.MaxNumSeqs, settings.MaxNumBatchedTokens, settings.EnablePrefixCaching), eos);
        metrics = new EngineMetrics(meters, served.Name, Scheduler);
        Vocabulary = Math.Min(spec.VocabSize, served.Tokenizer.VocabSize);
        Engine = new LlmEngine(new ModelRunner(model, cache, eos, Vocabulary), Scheduler, served.Tokenizer, eos, metrics);
        Engine.StepFailed += error =>
        {
            LastStepFailure = error;
            Log.StepFailed(logger, error);
        };
        Log.EngineReady(logger, DType.ToString(), Blocks, settings.BlockSize, MaxModelLen, source);
    }

    public LlmEngine Engine { get; }

    public Scheduler Scheduler { get; }

    public torch.ScalarType DType { get; }

    public int Blocks { get; }

    /// <summary>Tokens per KV block, which is also the prefix-hash block size.</summary>
    public int BlockSize { get; }

    public int MaxModelLen { get; }

    /// <summary>Token ids the model embeds and the tokenizer decodes: the only ids a request may send or be sampled.</summary>
    public int Vocabulary { get; }

    /// <summary>The last error a step failed with (its requests failed; the engine goes on): the worker reports degraded.</summary>
    public Exception? LastStepFailure { get; private set; }

    /// <summary>
    /// The KV pool's bytes on a GPU from <c>--gpu-memory-utilization</c>, and how they were reckoned (for the log and for
    /// errors). Refused when the share asked for is more than the device has free.
    /// </summary>
    private static (long Budget, string Source) GpuBudget(WorkerOptions settings, ModelSpec spec, CudaMemoryInfo beforeLoading, CudaMemoryInfo afterLoading)
    {
        var modelBytes = beforeLoading.Free - afterLoading.Free;
        var activations = KvCacheBudget.ActivationBytes(spec, settings.MaxNumBatchedTokens, settings.MaxNumSeqs);
        var budget = KvCacheBudget.ForGpu(afterLoading.Total, settings.GpuMemoryUtilization, modelBytes, activations);
        var source = $"--gpu-memory-utilization {settings.GpuMemoryUtilization} of {afterLoading.Total} bytes, less the model's {modelBytes} and {activations} kept for activations";
        if (budget > afterLoading.Free - activations)
        {
            throw new InvalidOperationException(
                $"The KV cache budget of {budget} bytes ({source}) is more than the {afterLoading.Free} bytes free on the device (other processes hold the rest); lower --gpu-memory-utilization or give --kv-cache-memory.");
        }

        return (budget, source);
    }

    private static int CudaIndex(torch.Device device) => device.index < 0 ? 0 : (int)device.index;

    /// <summary>auto: float32 weights compute in float32, anything else in bfloat16 (fast on CPUs with AVX-512 BF16, and on GPUs).</summary>
    private static torch.ScalarType ComputeType(string setting, string? weightsDtype) => setting switch
    {
        "float32" => torch.ScalarType.Float32,
        "bfloat16" => torch.ScalarType.BFloat16,
        "float16" => torch.ScalarType.Float16,
        _ => weightsDtype == "float32" ? torch.ScalarType.Float32 : torch.ScalarType.BFloat16,
    };

    public void Dispose()
    {
        Engine.Dispose();
        metrics.Dispose();
        cache.Dispose();
        model.Dispose();
    }
}
