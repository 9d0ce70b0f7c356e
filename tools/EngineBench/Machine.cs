using System.Runtime.InteropServices;
using LlmPlatform.Torch;
using static TorchSharp.torch;

namespace LlmPlatform.EngineBench;

/// <summary>
/// What the numbers depend on, printed before every run: the CPU, libtorch's threads, the allocator actually mapped
/// into the process (jemalloc through LD_PRELOAD, or glibc malloc and its tunables), and the load the machine carried.
/// </summary>
internal static class Machine
{
    public static void Describe()
    {
        Console.WriteLine($"- machine: {CpuModel()}, {Environment.ProcessorCount} logical cores, libtorch threads {get_num_threads()}, {RuntimeInformation.FrameworkDescription}");
        Console.WriteLine($"- allocator: {Allocator()}");
        Console.WriteLine($"- OpenMP: GOMP_SPINCOUNT={Environment.GetEnvironmentVariable("GOMP_SPINCOUNT") ?? $"{TorchRuntime.OpenMpSpinCount} (TorchRuntime's default)"}, OMP_WAIT_POLICY={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "unset"}");
        Console.WriteLine($"- load average at start: {LoadAverage()}");
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string CpuModel()
    {
        var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string Allocator()
    {
        var jemalloc = File.Exists("/proc/self/maps") && File.ReadLines("/proc/self/maps").Any(l => l.Contains("jemalloc", StringComparison.Ordinal));
        if (jemalloc)
        {
            return "jemalloc (LD_PRELOAD)";
        }

        var tunables = new[] { "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "GLIBC_TUNABLES" }
            .Select(name => (name, value: Environment.GetEnvironmentVariable(name)))
            .Where(v => !string.IsNullOrEmpty(v.value))
            .Select(v => $"{v.name}={v.value}")
            .ToArray();
        return tunables.Length == 0 ? "glibc malloc (defaults)" : $"glibc malloc ({string.Join(", ", tunables)})";
    }
}
