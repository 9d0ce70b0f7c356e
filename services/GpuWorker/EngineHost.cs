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
        model = CausalLanguageModel.Load(served.Directory, DType, device, settings.CpuDecodeKernels);
        MaxModelLen = settings.MaxModelLen ?? served.Directory.Config.MaxPositionEmbeddings;
        var spec = model.Spec;
        var (budget, source) = KvBudget(settings, device, spec);
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

    /// <summary>The KV pool's bytes, and where the number came from (for the log and for errors).</summary>
    private static (long Budget, string Source) KvBudget(WorkerOptions settings, torch.Device device, ModelSpec spec)
    {
        if (settings.KvCacheMemory is { } configured)
        {
            return (configured, "Engine:KvCacheMemory, --kv-cache-memory");
        }

        if (device.type != DeviceType.CUDA)
        {
            return (KvCacheBudget.CpuDefault, "the CPU default; set --kv-cache-memory");
        }

        var memory = CudaMemory.Query(device.index < 0 ? 0 : (int)device.index);
        var activations = KvCacheBudget.ActivationBytes(spec, settings.MaxNumBatchedTokens, settings.MaxNumSeqs);
        return (KvCacheBudget.ForGpu(memory.Free, memory.Total, settings.GpuMemoryUtilization, activations),
            $"--gpu-memory-utilization {settings.GpuMemoryUtilization} of {memory.Total} bytes, {memory.Total - memory.Free} in use after loading the model, {activations} kept for activations");
    }

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
