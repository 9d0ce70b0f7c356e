using LlmPlatform.Bench.Client;

namespace LlmPlatform.Bench.Results;

/// <summary>
/// What happened to one request: when it was sent (seconds from the start of the measured run), whether it
/// succeeded, its token counts from the server's usage, and the times its streamed chunks arrived.
/// </summary>
public sealed record RequestRecord(
    int Index,
    string? Tag,
    double SentAt,
    bool Success,
    string? Error,
    int PromptTokens,
    int OutputTokens,
    int CachedTokens,
    double Ttft,
    double E2eLatency,
    IReadOnlyList<double> InterTokenLatencies,
    RoutingNote? Routing = null)
{
    /// <summary>Time per output token after the first: (e2e - ttft) / (output tokens - 1); null with fewer than 2 tokens.</summary>
    public double? Tpot => OutputTokens > 1 ? (E2eLatency - Ttft) / (OutputTokens - 1) : null;

    /// <summary>When the last chunk arrived, seconds from the start of the run.</summary>
    public double FinishedAt => SentAt + E2eLatency;

    /// <summary>What was sent, kept to measure the ideal cache hit rate after the run; not written to result.json.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public SentPrompt? Prompt { get; init; }
}

/// <summary>Mean, median, p90 and p99 of one metric over the successful requests, in seconds for latencies.</summary>
public sealed record MetricSummary(int Count, double Mean, double Median, double P90, double P99, double Min, double Max);

/// <summary>Service-level objectives for goodput: a request counts when it meets every limit given.</summary>
public sealed record GoodputLimits(double? TtftSeconds, double? TpotSeconds, double? E2eSeconds);

/// <summary>One configuration's measured run: the settings, the per-request records and what they add up to.</summary>
public sealed record BenchResult(
    string Name,
    BenchSettings Settings,
    double DurationSeconds,
    int Completed,
    int Failed,
    int TotalPromptTokens,
    int TotalOutputTokens,
    int TotalCachedTokens,
    double RequestThroughput,
    double OutputThroughput,
    double TotalTokenThroughput,
    double? Goodput,
    double PrefixCacheHitRate,
    MetricSummary Ttft,
    MetricSummary Tpot,
    MetricSummary Itl,
    MetricSummary E2eLatency,
    IReadOnlyList<RequestRecord> Requests)
{
    /// <summary>Milliseconds our Router took to decide, over the requests it reported on (none with other servers).</summary>
    public MetricSummary RoutingMs { get; init; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);

    /// <summary>The same, by how the Router found the prompt's ids (hit, prefix, miss, ids).</summary>
    public IReadOnlyDictionary<string, MetricSummary> RoutingMsByPromptLookup { get; init; } = new Dictionary<string, MetricSummary>();

    /// <summary>Cached prompt tokens the Router predicted over those the workers reported, summed (null without our Router).</summary>
    public double? PredictedOverReportedCached { get; init; }

    /// <summary>The hit rate one server with an unbounded cache would reach on these requests (IdealPrefixCache); null if the server cannot tokenize them.</summary>
    public double? IdealPrefixCacheHitRate { get; init; }
}

/// <summary>The knobs of a run, recorded with its result so a number can be reproduced.</summary>
public sealed record BenchSettings(
    string BaseUrl,
    string Endpoint,
    string Model,
    string Workload,
    int Seed,
    double RequestRate,
    double Burstiness,
    int? MaxConcurrency,
    int? NumPrompts,
    double? DurationSeconds,
    int WarmupRequests,
    GoodputLimits? Goodput,
    IReadOnlyDictionary<string, string> WorkloadParameters,
    string? ConfigDescription);
