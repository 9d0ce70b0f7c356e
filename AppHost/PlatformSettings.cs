using LlmPlatform.AppHost.Redis;
using Microsoft.Extensions.Configuration;

namespace LlmPlatform.AppHost;

/// <summary>The AppHost's own settings, section <c>Platform</c> (appsettings.json, <c>Platform__*</c> variables, or <c>--Platform:*</c> arguments).</summary>
public sealed class PlatformSettings
{
    public const string Section = "Platform";

    /// <summary>Number of GpuWorker replicas, each a resource of its own (worker-0, worker-1, ...).</summary>
    public int Workers { get; set; } = 2;

    /// <summary>
    /// CPU threads each worker computes with (its <c>Engine:CpuThreads</c>). 0: the host's cores split evenly between
    /// the workers, at least one each. Workers that each took every core would hold the cores the others' threads wait
    /// for (docs/operations.md).
    /// </summary>
    public int WorkerCpuThreads { get; set; }

    /// <summary>Hugging Face model directory the workers serve. Empty: the demo model, prepared on first start.</summary>
    public string? Model { get; set; }

    /// <summary>Where prepared models are cached. Empty: LLMPLATFORM_MODELS, else ~/.cache/llmplatform/models.</summary>
    public string? ModelCacheDirectory { get; set; }

    /// <summary>The Aspire dashboard (traces, metrics, logs). Off for headless runs and CI.</summary>
    public bool Dashboard { get; set; } = true;

    public RedisMode RedisMode { get; set; } = RedisMode.Auto;

    /// <summary>
    /// The fleet's name, which namespaces its Redis keys (Router and workers get it as <c>Fleet__Name</c>). Default: a new
    /// name on every run, so that the workers of a previous run still shutting down, with the same resource names,
    /// cannot register with this run's Router through a Redis at the same address. Set it when several AppHost runs
    /// must share one fleet.
    /// </summary>
    public string FleetName { get; set; } = $"platform-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>The container runtime probed in Auto mode, as Aspire names it.</summary>
    public string ContainerRuntime { get; set; } = Environment.GetEnvironmentVariable("ASPIRE_CONTAINER_RUNTIME") is { Length: > 0 } runtime ? runtime : "docker";

    /// <summary>
    /// Read before the Aspire builder exists, because the dashboard switch must be given to it at creation;
    /// the same sources, in the same order of precedence, as the builder's own configuration.
    /// </summary>
    public static PlatformSettings Read(string[] args)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine(args)
            .Build();
        var settings = configuration.GetSection(Section).Get<PlatformSettings>() ?? new PlatformSettings();
        if (settings.Workers < 1)
        {
            throw new InvalidOperationException($"{Section}:Workers must be at least 1 (was {settings.Workers}).");
        }

        if (settings.WorkerCpuThreads < 0)
        {
            throw new InvalidOperationException($"{Section}:WorkerCpuThreads must be 0 (split the cores) or more (was {settings.WorkerCpuThreads}).");
        }

        return settings;
    }

    /// <summary>The CPU threads each worker gets on a host with <paramref name="cores"/> cores.</summary>
    public int CpuThreadsPerWorker(int cores) => WorkerCpuThreads > 0 ? WorkerCpuThreads : Math.Max(1, cores / Workers);
}
