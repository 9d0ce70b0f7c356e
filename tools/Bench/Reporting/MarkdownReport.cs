using System.Globalization;
using System.Text;
using LlmPlatform.Bench.Results;

namespace LlmPlatform.Bench.Reporting;

/// <summary>
/// Renders runs as a markdown report: the settings of each, one summary row per configuration, and with two or
/// more runs their ratios to the first, which compare mode runs as the baseline.
/// </summary>
public static class MarkdownReport
{
    private const string Missing = "-";

    private static readonly (string Label, Func<BenchResult, MetricSummary> Select)[] Latencies =
    [
        ("TTFT", r => r.Ttft),
        ("TPOT", r => r.Tpot),
        ("ITL", r => r.Itl),
        ("E2E", r => r.E2eLatency),
    ];

    private static readonly (string Label, Func<BenchResult, double?> Select)[] Throughputs =
    [
        ("request/s", r => r.RequestThroughput),
        ("output tok/s", r => r.OutputThroughput),
        ("total tok/s", r => r.TotalTokenThroughput),
        ("goodput req/s", r => r.Goodput),
    ];

    /// <param name="results">The runs, the baseline of the ratio table first.</param>
    /// <param name="plotFiles">Plot images to link, as paths relative to where the report is written (the names
    /// <see cref="PlotWriter.Write"/> returns, when the plots sit beside the report); none leaves the section out.</param>
    public static string Render(IReadOnlyList<BenchResult> results, IReadOnlyList<string>? plotFiles = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(results.Count);

        var markdown = new StringBuilder("# Serving benchmark\n\n## Settings\n\n");
        foreach (var result in results)
            markdown.Append("- ").Append(SettingsLine(result)).Append('\n');

        markdown.Append("\n## Summary\n\nLatencies in milliseconds over the successful requests. Ideal hit %: what one server with an unbounded "
            + "prefix cache would hit on the same requests.\n\n");
        SummaryTable(results).AppendTo(markdown);

        if (results.Any(r => r.RoutingMs.Count > 0))
        {
            markdown.Append("\n## Routing\n\nWhat our Router reported in X-Routing-Decision: the time to tokenize, hash and score (ms), and the cached "
                + "tokens it predicted over those the workers reported; the hit rate as a share of the ideal one.\n\n");
            RoutingTable(results).AppendTo(markdown);
            if (results.Any(r => r.RoutingMsByPromptLookup.Count > 0))
            {
                markdown.Append("\nBy how the Router found the prompt's ids: hit (all of it known), prefix (a conversation's earlier turns known), "
                    + "miss (tokenized on the request's path), ids (sent as token ids).\n\n");
                RoutingByLookupTable(results).AppendTo(markdown);
            }
        }

        if (results.Count > 1)
        {
            var baseline = results[0].Name;
            markdown.Append($"\n## Relative to {baseline}\n\n")
                .Append($"Throughput as result / {baseline}, latency as {baseline} / result: above 1.00x is better than {baseline}.\n\n");
            RatioTable(results).AppendTo(markdown);
        }

        if (plotFiles is { Count: > 0 })
        {
            markdown.Append("\n## Plots\n");
            foreach (var file in plotFiles)
                markdown.Append($"\n![{PlotTitle(file)}]({file.Replace('\\', '/').Replace(" ", "%20")})\n");
        }
        return markdown.ToString();
    }

    private static MarkdownTable RoutingTable(IReadOnlyList<BenchResult> results)
    {
        var table = new MarkdownTable(["configuration", "routing ms mean", "routing ms median", "routing ms p90", "routing ms p99", "predicted / reported cached",
            "hit rate / ideal"]);
        foreach (var result in results)
        {
            var ms = result.RoutingMs;
            table.AddRow([MarkdownTable.Escape(result.Name), ms.Count == 0 ? Missing : Number(ms.Mean, "F3"), ms.Count == 0 ? Missing : Number(ms.Median, "F3"),
                ms.Count == 0 ? Missing : Number(ms.P90, "F3"), ms.Count == 0 ? Missing : Number(ms.P99, "F3"),
                result.PredictedOverReportedCached is { } ratio ? Number(ratio) : Missing,
                result.IdealPrefixCacheHitRate is > 0 and var ideal ? Number(result.PrefixCacheHitRate / ideal) : Missing]);
        }

        return table;
    }

    private static MarkdownTable RoutingByLookupTable(IReadOnlyList<BenchResult> results)
    {
        var table = new MarkdownTable(["configuration", "prompt ids", "requests", "routing ms median", "routing ms p90"]);
        foreach (var result in results)
        {
            foreach (var (lookup, ms) in result.RoutingMsByPromptLookup)
            {
                table.AddRow([MarkdownTable.Escape(result.Name), lookup, ms.Count.ToString(CultureInfo.InvariantCulture), Number(ms.Median, "F3"), Number(ms.P90, "F3")]);
            }
        }

        return table;
    }

    private static string SettingsLine(BenchResult result)
    {
        var s = result.Settings;
        var line = $"**{MarkdownTable.Escape(result.Name)}**: workload `{s.Workload}`, rate {Rate(s.RequestRate)} req/s, "
            + $"burstiness {Number(s.Burstiness, "0.##")}, concurrency {s.MaxConcurrency?.ToString(CultureInfo.InvariantCulture) ?? "unlimited"}, "
            + $"prompts {s.NumPrompts?.ToString(CultureInfo.InvariantCulture) ?? Missing}, seed {s.Seed.ToString(CultureInfo.InvariantCulture)}";
        return string.IsNullOrWhiteSpace(s.ConfigDescription) ? line : $"{line} ({s.ConfigDescription})";
    }

    private static MarkdownTable SummaryTable(IReadOnlyList<BenchResult> results)
    {
        var headers = new List<string>
        {
            "configuration", "completed", "failed", "duration s", "request/s", "output tok/s", "total tok/s",
            "goodput req/s", "prefix cache hit %", "ideal hit %",
        };
        foreach (var (label, _) in Latencies)
            headers.AddRange([$"{label} mean", $"{label} median", $"{label} p90", $"{label} p99"]);

        var table = new MarkdownTable(headers);
        foreach (var r in results)
        {
            var cells = new List<string>
            {
                r.Name,
                r.Completed.ToString(CultureInfo.InvariantCulture),
                r.Failed.ToString(CultureInfo.InvariantCulture),
                Number(r.DurationSeconds),
                Number(r.RequestThroughput),
                Number(r.OutputThroughput),
                Number(r.TotalTokenThroughput),
                r.Goodput is { } goodput ? Number(goodput) : Missing,
                Number(r.PrefixCacheHitRate * 100, "F1"),
                r.IdealPrefixCacheHitRate is { } ideal ? Number(ideal * 100, "F1") : Missing,
            };
            foreach (var (_, select) in Latencies)
            {
                var m = select(r);
                cells.AddRange(m.Count == 0
                    ? [Missing, Missing, Missing, Missing]
                    : [Milliseconds(m.Mean), Milliseconds(m.Median), Milliseconds(m.P90), Milliseconds(m.P99)]);
            }
            table.AddRow(cells);
        }
        return table;
    }

    private static MarkdownTable RatioTable(IReadOnlyList<BenchResult> results)
    {
        var headers = new List<string> { "configuration" };
        headers.AddRange(Throughputs.Select(t => t.Label));
        foreach (var (label, _) in Latencies)
            headers.AddRange([$"{label} median", $"{label} p90"]);

        var table = new MarkdownTable(headers);
        var first = results[0];
        foreach (var r in results.Skip(1))
        {
            var cells = new List<string> { r.Name };
            // More throughput is better, so the result goes on top; less latency is better, so the baseline does.
            cells.AddRange(Throughputs.Select(t => Ratio(t.Select(r), t.Select(first))));
            foreach (var (_, select) in Latencies)
            {
                MetricSummary baseline = select(first), current = select(r);
                var comparable = baseline.Count > 0 && current.Count > 0;
                cells.Add(comparable ? Ratio(baseline.Median, current.Median) : Missing);
                cells.Add(comparable ? Ratio(baseline.P90, current.P90) : Missing);
            }
            table.AddRow(cells);
        }
        return table;
    }

    private static string Ratio(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d > 0 && double.IsFinite(n / d) ? Number(n / d) + "x" : Missing;

    private static string Milliseconds(double seconds) => Number(seconds * 1000.0);

    private static string Number(double value, string format = "F2") => value.ToString(format, CultureInfo.InvariantCulture);

    private static string Rate(double requestsPerSecond) =>
        double.IsPositiveInfinity(requestsPerSecond) ? "inf" : Number(requestsPerSecond, "0.###");

    private static string PlotTitle(string file) => Path.GetFileName(file) switch
    {
        PlotWriter.TtftCdfFile => "TTFT CDF",
        PlotWriter.TpotCdfFile => "TPOT CDF",
        PlotWriter.E2eCdfFile => "E2E latency CDF",
        PlotWriter.OutputThroughputFile => "Output tokens per second",
        var other => other,
    };
}
