using LlmPlatform.Bench.Results;
using LlmPlatform.Bench.Workloads;

namespace LlmPlatform.Bench.Running;

/// <summary>Everything one invocation asks for; the command line fills it, tests build it directly.</summary>
public sealed record BenchOptions
{
    public string BaseUrl { get; init; } = "http://127.0.0.1:8000";

    public string Endpoint { get; init; } = "completions";

    public string? Model { get; init; }

    public WorkloadOptions Workload { get; init; } = new();

    public int NumPrompts { get; init; } = 100;

    public double? DurationSeconds { get; init; }

    public double RequestRate { get; init; } = double.PositiveInfinity;

    public double Burstiness { get; init; } = 1.0;

    public int? MaxConcurrency { get; init; }

    public int WarmupRequests { get; init; } = 2;

    public int Seed { get; init; }

    public GoodputLimits? Goodput { get; init; }

    public IReadOnlyList<BenchConfiguration> Configurations { get; init; } = [BenchConfiguration.Default];

    /// <summary>none: use <see cref="BaseUrl"/>; worker: start one worker per configuration; platform: start the AppHost.</summary>
    public string Start { get; init; } = "none";

    /// <summary>Flags every started server gets (e.g. --model DIR), before the configuration's own.</summary>
    public IReadOnlyList<string> ServerArguments { get; init; } = [];

    public string ServerBuildConfiguration { get; init; } = "Release";

    /// <summary>Whether `dotnet run` builds a started server first; off when it is known to be built.</summary>
    public bool BuildServer { get; init; } = true;

    public string ResultDirectory { get; init; } = "bench-results";

    public bool Plots { get; init; } = true;

    /// <summary>The servers' KV block size: the ideal prefix-cache hit rate counts whole blocks, as they cache.</summary>
    public int BlockSize { get; init; } = 16;
}
