using System.Runtime.InteropServices;
using TorchSharp;

namespace LlmPlatform.Torch;

/// <summary>The device a service computes on, and what libtorch reports about it.</summary>
public sealed record TorchDeviceInfo(string Device, bool CudaAvailable, int CudaDeviceCount, int Threads);

/// <summary>
/// Loads libtorch and picks the compute device. Loading happens here, at startup, so that a missing or
/// incompatible native library fails the service before it reports ready, with the reason in the message.
/// </summary>
public static class TorchRuntime
{
    /// <summary>
    /// Resolves "auto" (CUDA when present, else CPU), "cpu", "cuda" or "cuda:N", and sets libtorch's CPU thread count
    /// when <paramref name="threads"/> is above 0 (0 keeps libtorch's default, one per core).
    /// </summary>
    public static TorchDeviceInfo Initialize(string requested, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        ShortenOpenMpSpinWait();
        KeepLargeAllocationsInTheHeap();
        bool cudaAvailable;
        try
        {
            cudaAvailable = torch.cuda.is_available();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException)
        {
            throw new InvalidOperationException($"libtorch could not be loaded: {e.GetBaseException().Message}", e);
        }

        if (threads > 0 && threads != torch.get_num_threads())
        {
            torch.set_num_threads(threads);
        }

        var cudaCount = cudaAvailable ? torch.cuda.device_count() : 0;
        var device = requested.Trim().ToLowerInvariant() switch
        {
            "" or "auto" => cudaAvailable ? "cuda:0" : "cpu",
            "cpu" => "cpu",
            "cuda" => cudaAvailable ? "cuda:0" : throw NoCuda(requested),
            var cuda when cuda.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(cuda[5..], out var index) =>
                index < cudaCount ? cuda : throw NoCuda(requested),
            _ => throw new ArgumentException($"Device '{requested}' is not one of auto, cpu, cuda, cuda:N."),
        };

        return new TorchDeviceInfo(device, cudaAvailable, cudaCount, torch.get_num_threads());
    }

    /// <summary>The GOMP_SPINCOUNT <see cref="Initialize"/> sets when the operator set none (see ShortenOpenMpSpinWait).</summary>
    public const string OpenMpSpinCount = "2000";

    /// <summary>
    /// libtorch's OpenMP runtime (libgomp) keeps its threads spinning for 300,000 iterations after every parallel call,
    /// milliseconds on this class of machine, and on a 2-core host those spinning threads take the cores from the
    /// engine's CPU decode threads, which run right after libtorch's sampling calls (a batch-1 bf16 decode step went
    /// from ~8 to ~13-18 ms), and from the sentence encoder's PackedLinear threads between libtorch's attention and
    /// LayerNorm calls (its linears took twice as long). 2,000 iterations keep libtorch's own batched steps as fast
    /// (docs/benchmarks.md). libgomp
    /// reads the variable when it loads, so this must run before the first libtorch call; an operator's own
    /// GOMP_SPINCOUNT (or OMP_WAIT_POLICY) wins. .NET's Environment.SetEnvironmentVariable does not reach native
    /// getenv on Linux, hence libc's setenv.
    /// </summary>
    private static void ShortenOpenMpSpinWait()
    {
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
        {
            _ = SetEnvironment("GOMP_SPINCOUNT", OpenMpSpinCount, overwrite: 0);
        }
    }

    /// <summary>
    /// glibc serves allocations over its mmap threshold (at most 32 MB) with fresh mmaps and unmaps them on free, so a
    /// tensor of that size allocated every forward pass (a BERT batch of 8,192 tokens makes 38-50 MB activations; an
    /// LLM prefill makes larger) page-faults all of its memory in again each time: that halved the encoder's
    /// throughput at such batches. Raising the mmap and trim thresholds to 1 GB keeps those buffers in the heap for
    /// reuse. mallopt may be called at any time, unlike the MALLOC_*_ environment variables, which glibc reads at
    /// startup; an operator who set those keeps them.
    /// </summary>
    private static void KeepLargeAllocationsInTheHeap()
    {
        const int trimThreshold = -1, mmapThreshold = -3, oneGigabyte = 1 << 30;
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is null && Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is null)
        {
            _ = SetMallocOption(mmapThreshold, oneGigabyte);
            _ = SetMallocOption(trimThreshold, oneGigabyte);
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int SetMallocOption(int option, int value);

    [DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnvironment(string name, string value, int overwrite);

    private static InvalidOperationException NoCuda(string requested) =>
        new($"Device '{requested}' was requested but libtorch sees no such CUDA device. Build with -p:TorchSharpBackend=cuda and put CUDA libtorch on LD_LIBRARY_PATH.");
}
