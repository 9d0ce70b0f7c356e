using LlmPlatform.Bench.Results;
using LlmPlatform.Bench.Running;
using LlmPlatform.Bench.Statistics;

namespace LlmPlatform.Bench.Tests;

/// <summary>The numbers a run is judged by, on inputs whose answers are known (numpy's linear percentiles, by hand).</summary>
public sealed class StatisticsTests
{
    [Theory]
    [InlineData(50, 2.5)]
    [InlineData(90, 3.7)]
    [InlineData(99, 3.97)]
    [InlineData(0, 1.0)]
    [InlineData(100, 4.0)]
    public void Percentiles_interpolate_linearly_between_ranks_as_numpy_does(double percent, double expected)
    {
        Assert.Equal(expected, Summaries.Percentile([4.0, 1.0, 3.0, 2.0], percent), 12);
    }

    [Fact]
    public void A_summary_has_mean_median_p90_p99_min_and_max()
    {
        var summary = Summaries.Of(Enumerable.Range(1, 101).Select(i => (double)i));

        Assert.Equal((101, 51.0, 51.0, 91.0, 100.0, 1.0, 101.0), (summary.Count, summary.Mean, summary.Median, summary.P90, summary.P99, summary.Min, summary.Max));
    }

    [Fact]
    public void Tpot_leaves_out_the_first_token()
    {
        // 1 s to the first token, then 9 more tokens over 0.9 s: 0.1 s each, whatever the TTFT.
        Assert.Equal(0.1, Request(ttft: 1.0, e2e: 1.9, outputTokens: 10).Tpot!.Value, 12);
        Assert.Null(Request(ttft: 1.0, e2e: 1.0, outputTokens: 1).Tpot);
    }

    [Fact]
    public void Goodput_counts_the_requests_per_second_that_meet_every_limit()
    {
        RequestRecord[] requests =
        [
            Request(ttft: 0.1, e2e: 1.0, outputTokens: 10), // tpot 0.1: meets both
            Request(ttft: 0.6, e2e: 1.0, outputTokens: 10), // ttft over
            Request(ttft: 0.1, e2e: 3.0, outputTokens: 10), // tpot 0.32: over
            Request(ttft: 0.2, e2e: 0.2, outputTokens: 1),  // no tpot: fails a tpot limit
            Request(ttft: 0.1, e2e: 1.0, outputTokens: 10) with { Success = false },
        ];

        Assert.Equal(0.5, Summaries.Goodput(requests, new GoodputLimits(0.5, 0.2, null), durationSeconds: 2), 12);
        Assert.Equal(1.5, Summaries.Goodput(requests, new GoodputLimits(0.5, null, null), durationSeconds: 2), 12);
    }

    [Fact]
    public void A_result_adds_up_the_successful_requests()
    {
        RequestRecord[] requests =
        [
            Request(ttft: 0.1, e2e: 1.0, outputTokens: 10, promptTokens: 100, cached: 50, gaps: [0.1, 0.2]),
            Request(ttft: 0.3, e2e: 2.0, outputTokens: 20, promptTokens: 300, cached: 0, gaps: [0.3]),
            Request(ttft: 0.0, e2e: 0.5, outputTokens: 0, promptTokens: 0, cached: 0) with { Success = false },
        ];
        var settings = new BenchSettings("http://x", "completions", "m", "random", 0, double.PositiveInfinity, 1, null, 3, null, 0, new GoodputLimits(0.2, null, null),
            new Dictionary<string, string>(), null);

        var result = Summaries.Result("a", settings, requests, durationSeconds: 4);

        Assert.Equal((2, 1, 400, 30, 50), (result.Completed, result.Failed, result.TotalPromptTokens, result.TotalOutputTokens, result.TotalCachedTokens));
        Assert.Equal((0.5, 7.5, 107.5, 0.25, 0.125), (result.RequestThroughput, result.OutputThroughput, result.TotalTokenThroughput, result.Goodput, result.PrefixCacheHitRate));
        Assert.Equal(3, result.Itl.Count);
        Assert.Equal(0.2, result.Itl.Median, 12);
        Assert.Equal(0.2, result.Ttft.Mean, 12);
    }

    [Fact]
    public void Arrivals_are_gamma_spaced_with_the_asked_rate_and_burstiness()
    {
        static (double Mean, double Variation) Gaps(double burstiness)
        {
            var times = ArrivalSchedule.Times(20_000, rate: 10, burstiness, seed: 7);
            var gaps = times.Zip(times.Skip(1), (a, b) => b - a).Prepend(times[0]).ToArray();
            var mean = gaps.Average();
            return (mean, Math.Sqrt(gaps.Average(g => (g - mean) * (g - mean))) / mean);
        }

        var poisson = Gaps(1.0);
        var bursty = Gaps(0.25);

        Assert.Equal(0.1, poisson.Mean, 0.005);
        Assert.Equal(1.0, poisson.Variation, 0.05);     // exponential gaps: CV 1
        Assert.Equal(0.1, bursty.Mean, 0.01);
        Assert.Equal(2.0, bursty.Variation, 0.15);      // gamma shape k: CV 1/sqrt(k)
        Assert.Equal(ArrivalSchedule.Times(50, 10, 1, 3), ArrivalSchedule.Times(50, 10, 1, 3));
        Assert.All(ArrivalSchedule.Times(5, double.PositiveInfinity, 1, 3), t => Assert.Equal(0, t));
    }

    private static RequestRecord Request(double ttft, double e2e, int outputTokens, int promptTokens = 10, int cached = 0, double[]? gaps = null) =>
        new(0, null, 0, true, null, promptTokens, outputTokens, cached, ttft, e2e, gaps ?? []);
}
