using LlmPlatform.Bench.Results;
using MathNet.Numerics.Statistics;

namespace LlmPlatform.Bench.Statistics;

/// <summary>
/// The numbers a run is judged by, computed as vLLM's benchmark computes them, so results compare: percentiles by
/// linear interpolation between order statistics (numpy's default, MathNet's R7), TPOT over the tokens after the
/// first, goodput as the requests per second that met every limit given.
/// </summary>
public static class Summaries
{
    public static MetricSummary Of(IEnumerable<double> values)
    {
        var data = values.ToArray();
        if (data.Length == 0)
        {
            return new MetricSummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        return new MetricSummary(data.Length, data.Average(), Percentile(data, 50), Percentile(data, 90), Percentile(data, 99), data.Min(), data.Max());
    }

    /// <summary>The <paramref name="percent"/>th percentile, interpolating linearly between the two nearest ranks.</summary>
    public static double Percentile(IReadOnlyList<double> values, double percent) =>
        values.QuantileCustom(percent / 100, QuantileDefinition.R7);

    /// <summary>Requests per second that met every limit in <paramref name="limits"/>; a request without a TPOT fails a TPOT limit.</summary>
    public static double Goodput(IEnumerable<RequestRecord> requests, GoodputLimits limits, double durationSeconds) =>
        requests.Count(r => r.Success
            && (limits.TtftSeconds is not { } ttft || r.Ttft <= ttft)
            && (limits.TpotSeconds is not { } tpot || r.Tpot is { } value && value <= tpot)
            && (limits.E2eSeconds is not { } e2e || r.E2eLatency <= e2e)) / durationSeconds;

    /// <summary>Everything a result reports, from the measured requests and the run's wall time.</summary>
    public static BenchResult Result(string name, BenchSettings settings, IReadOnlyList<RequestRecord> requests, double durationSeconds)
    {
        var succeeded = requests.Where(r => r.Success).ToList();
        var prompt = succeeded.Sum(r => r.PromptTokens);
        var output = succeeded.Sum(r => r.OutputTokens);
        var cached = succeeded.Sum(r => r.CachedTokens);
        return new BenchResult(
            name,
            settings,
            durationSeconds,
            succeeded.Count,
            requests.Count - succeeded.Count,
            prompt,
            output,
            cached,
            succeeded.Count / durationSeconds,
            output / durationSeconds,
            (prompt + output) / durationSeconds,
            settings.Goodput is { } limits ? Goodput(succeeded, limits, durationSeconds) : null,
            prompt == 0 ? 0 : (double)cached / prompt,
            Of(succeeded.Select(r => r.Ttft)),
            Of(succeeded.Select(r => r.Tpot).OfType<double>()),
            Of(succeeded.SelectMany(r => r.InterTokenLatencies)),
            Of(succeeded.Select(r => r.E2eLatency)),
            requests)
        {
            RoutingMs = Of(succeeded.Select(r => r.Routing?.RoutingMs).OfType<double>()),
            RoutingMsByPromptLookup = succeeded.Where(r => r.Routing is { PromptLookup: not null, RoutingMs: not null })
                .GroupBy(r => r.Routing!.PromptLookup!)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Of(g.Select(r => r.Routing!.RoutingMs!.Value))),
            PredictedOverReportedCached = succeeded.Any(r => r.Routing?.PredictedCachedTokens is not null) && cached > 0
                ? succeeded.Sum(r => r.Routing?.PredictedCachedTokens ?? 0) / (double)cached
                : null,
        };
    }
}
