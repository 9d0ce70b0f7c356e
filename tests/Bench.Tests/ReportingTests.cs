using System.Buffers.Binary;
using System.Globalization;
using LlmPlatform.Bench.Reporting;
using LlmPlatform.Bench.Results;
using SkiaSharp;

namespace LlmPlatform.Bench.Tests;

public sealed class ReportingTests : IDisposable
{
    private static readonly MetricSummary NoSamples = new(0, 0, 0, 0, 0, 0, 0);

    private readonly string plotDirectory = Path.Combine(Path.GetTempPath(), "bench-plots-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(plotDirectory))
            Directory.Delete(plotDirectory, recursive: true);
    }

    [Fact]
    public void Summary_row_shows_latency_statistics_in_milliseconds_rounded_to_two_places()
    {
        var result = Result("kv-aware", ttft: Summary(mean: 0.0204, median: 0.0123456, p90: 0.0987654, p99: 0.25),
            e2e: Summary(mean: 1.5, median: 1.23449, p90: 2.0004999, p99: 3));

        var row = Row(MarkdownReport.Render([result]), "## Summary", "kv-aware");

        Assert.Equal("20.40", row["TTFT mean"]);
        Assert.Equal("12.35", row["TTFT median"]);
        Assert.Equal("98.77", row["TTFT p90"]);
        Assert.Equal("250.00", row["TTFT p99"]);
        Assert.Equal("1234.49", row["E2E median"]);
        Assert.Equal("2000.50", row["E2E p90"]);
    }

    [Fact]
    public void Summary_row_shows_counts_throughput_and_prefix_cache_hit_percentage()
    {
        var result = Result("kv-aware", completed: 98, failed: 2, duration: 12.345, requestThroughput: 3.456,
            outputThroughput: 1234.5678, totalThroughput: 4000, goodput: 1.5, prefixCacheHitRate: 0.4567);

        var row = Row(MarkdownReport.Render([result]), "## Summary", "kv-aware");

        Assert.Equal("98", row["completed"]);
        Assert.Equal("2", row["failed"]);
        Assert.Equal("12.35", row["duration s"]);
        Assert.Equal("3.46", row["request/s"]);
        Assert.Equal("1234.57", row["output tok/s"]);
        Assert.Equal("4000.00", row["total tok/s"]);
        Assert.Equal("1.50", row["goodput req/s"]);
        Assert.Equal("45.7", row["prefix cache hit %"]);
    }

    [Fact]
    public void Missing_goodput_and_a_metric_without_samples_show_a_dash()
    {
        var result = Result("single-token", goodput: null, tpot: NoSamples);

        var row = Row(MarkdownReport.Render([result]), "## Summary", "single-token");

        Assert.Equal("-", row["goodput req/s"]);
        Assert.Equal("-", row["TPOT median"]);
        Assert.Equal("-", row["TPOT p99"]);
        Assert.NotEqual("-", row["TTFT median"]);
    }

    [Fact]
    public void Ratios_compare_each_result_with_the_first_so_above_one_is_better()
    {
        var baseline = Result("round-robin", requestThroughput: 10, outputThroughput: 1000, goodput: 4,
            ttft: Summary(median: 0.2, p90: 0.8), e2e: Summary(median: 2, p90: 3));
        var faster = Result("kv-aware", requestThroughput: 31.2, outputThroughput: 1500, goodput: 6,
            ttft: Summary(median: 0.05, p90: 0.2), e2e: Summary(median: 1, p90: 4));
        var slower = Result("max_num_seqs 1", requestThroughput: 2.5, outputThroughput: 100, goodput: null,
            ttft: Summary(median: 0.4, p90: 1.6), e2e: Summary(median: 8, p90: 12));

        var markdown = MarkdownReport.Render([baseline, faster, slower]);

        Assert.Contains("## Relative to round-robin", markdown);
        var better = Row(markdown, "## Relative to", "kv-aware");
        Assert.Equal("3.12x", better["request/s"]);
        Assert.Equal("1.50x", better["output tok/s"]);
        Assert.Equal("1.50x", better["goodput req/s"]);
        Assert.Equal("4.00x", better["TTFT median"]);
        Assert.Equal("4.00x", better["TTFT p90"]);
        Assert.Equal("2.00x", better["E2E median"]);
        Assert.Equal("0.75x", better["E2E p90"]);

        // Against the first result, not the one before it.
        var worse = Row(markdown, "## Relative to", "max_num_seqs 1");
        Assert.Equal("0.25x", worse["request/s"]);
        Assert.Equal("0.50x", worse["TTFT median"]);
        Assert.Equal("0.25x", worse["E2E median"]);
        Assert.Equal("-", worse["goodput req/s"]);

        Assert.Null(TryRow(markdown, "## Relative to", "round-robin"));
    }

    [Fact]
    public void A_single_result_has_no_ratio_table()
    {
        var markdown = MarkdownReport.Render([Result("only")]);

        Assert.DoesNotContain("## Relative to", markdown);
        Assert.DoesNotContain("x |", markdown);
    }

    [Fact]
    public void Settings_line_names_workload_rate_burstiness_concurrency_prompts_and_seed()
    {
        var paced = Result("paced", settings: Settings(workload: "sharegpt", rate: 12.5, burstiness: 0.5, concurrency: 32, prompts: 200, seed: 7));
        var unpaced = Result("unpaced", settings: Settings(workload: "prefix-heavy", rate: double.PositiveInfinity, burstiness: 1, concurrency: null, prompts: null, seed: 42));

        var markdown = MarkdownReport.Render([paced, unpaced]);

        Assert.Contains("- **paced**: workload `sharegpt`, rate 12.5 req/s, burstiness 0.5, concurrency 32, prompts 200, seed 7\n", markdown);
        Assert.Contains("- **unpaced**: workload `prefix-heavy`, rate inf req/s, burstiness 1, concurrency unlimited, prompts -, seed 42\n", markdown);
    }

    [Fact]
    public void Numbers_use_the_invariant_culture_whatever_the_current_one()
    {
        var previous = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
        try
        {
            var row = Row(MarkdownReport.Render([Result("kv-aware", requestThroughput: 3.456)]), "## Summary", "kv-aware");
            Assert.Equal("3.46", row["request/s"]);
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [Fact]
    public void A_pipe_in_a_configuration_name_does_not_split_its_row()
    {
        var markdown = MarkdownReport.Render([Result("a|b", requestThroughput: 3.456)]);

        var row = Row(markdown, "## Summary", "a\\|b");
        Assert.Equal("3.46", row["request/s"]);
    }

    [Fact]
    public void Plots_section_links_the_given_files_relative_to_the_report()
    {
        var markdown = MarkdownReport.Render([Result("kv-aware")], [PlotWriter.TtftCdfFile, "plots/" + PlotWriter.OutputThroughputFile]);

        Assert.Contains("## Plots", markdown);
        Assert.Contains("![TTFT CDF](ttft_cdf.png)", markdown);
        Assert.Contains("![Output tokens per second](plots/output_throughput.png)", markdown);
        Assert.DoesNotContain("## Plots", MarkdownReport.Render([Result("kv-aware")]));
    }

    [Fact]
    public void PlotWriter_writes_each_plot_as_a_png_of_the_requested_size()
    {
        var results = new[] { Result("kv-aware", requests: Requests(40, scale: 1)), Result("round-robin", requests: Requests(40, scale: 2)) };

        var files = PlotWriter.Write(results, plotDirectory, width: 640, height: 400);

        Assert.Equal([PlotWriter.TtftCdfFile, PlotWriter.TpotCdfFile, PlotWriter.E2eCdfFile, PlotWriter.OutputThroughputFile], files);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(Path.Combine(plotDirectory, file));
            Assert.True(bytes.Length > 1000, $"{file} is only {bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
            Assert.Equal(640, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
            Assert.Equal(400, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
        }
    }

    [Fact]
    public void PlotWriter_draws_one_series_per_configuration_in_its_own_colour()
    {
        var results = new[] { Result("kv-aware", requests: Requests(40, scale: 1)), Result("round-robin", requests: Requests(40, scale: 2)) };
        PlotWriter.Write(results, plotDirectory);
        var palette = new ScottPlot.Plot().Add.Palette;

        foreach (var file in new[] { PlotWriter.TtftCdfFile, PlotWriter.OutputThroughputFile })
        {
            using var image = SKBitmap.Decode(Path.Combine(plotDirectory, file));
            for (var series = 0; series < results.Length; series++)
            {
                var colour = palette.GetColor(series);
                var pixels = image.Pixels.Count(p => p.Red == colour.R && p.Green == colour.G && p.Blue == colour.B);
                Assert.True(pixels > 200, $"{file}: series {series} has {pixels} pixels of its colour");
            }
        }
    }

    [Fact]
    public void PlotWriter_copes_with_a_configuration_that_has_no_successful_requests()
    {
        var failed = Enumerable.Range(0, 5).Select(i => Record(i, sentAt: i, ttft: 0, e2e: 0.1, outputTokens: 0, success: false)).ToList();

        var files = PlotWriter.Write([Result("all-failed", requests: failed), Result("kv-aware", requests: Requests(10, scale: 1))], plotDirectory);

        Assert.All(files, f => Assert.True(new FileInfo(Path.Combine(plotDirectory, f)).Length > 0));
    }

    [Fact]
    public void Output_tokens_are_spread_over_the_decode_interval_in_one_second_bins()
    {
        // First token at 0.5 s, last at 2.5 s: 100 tokens over 2 s, a quarter of that interval in each outer bin.
        var decoding = Record(0, sentAt: 0.25, ttft: 0.25, e2e: 2.25, outputTokens: 100);
        // All tokens at one instant count in the bin holding it.
        var instant = Record(1, sentAt: 1.0, ttft: 0.5, e2e: 0.5, outputTokens: 7);
        var failed = Record(2, sentAt: 0, ttft: 0.1, e2e: 5, outputTokens: 1000, success: false);

        var bins = ThroughputTimeline.OutputTokensPerSecond([decoding, instant, failed]);

        Assert.Equal(3, bins.Length);
        Assert.Equal(25, bins[0], precision: 9);
        Assert.Equal(50 + 7, bins[1], precision: 9);
        Assert.Equal(25, bins[2], precision: 9);
    }

    [Fact]
    public void Latency_cdf_rises_from_zero_to_one_over_the_sorted_samples_in_milliseconds()
    {
        var (ms, fractions) = LatencyCdf.Points([0.03, 0.01, 0.02, 0.04]);

        Assert.Equal([10, 10, 20, 30, 40], ms.Select(m => Math.Round(m, 9)));
        Assert.Equal([0, 0.25, 0.5, 0.75, 1], fractions);
    }

    [Fact]
    public void Embedded_plot_font_has_the_glyphs_the_labels_use()
    {
        using var typeface = PlotFonts.LoadEmbedded();

        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        Assert.True(typeface.ContainsGlyphs("Time to first token 0123456789 ms/s % . - round-robin kv_aware"));
    }

    private static Dictionary<string, string> Row(string markdown, string section, string name) =>
        TryRow(markdown, section, name) ?? throw new Xunit.Sdk.XunitException($"No row '{name}' under '{section}' in:\n{markdown}");

    /// <summary>The cells of the named row of the first table after the section heading, keyed by column header.</summary>
    private static Dictionary<string, string>? TryRow(string markdown, string section, string name)
    {
        var lines = markdown.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith(section, StringComparison.Ordinal));
        Assert.True(start >= 0, $"No section '{section}' in:\n{markdown}");
        var table = lines.Skip(start + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')).ToList();
        var headers = Cells(table[0]);
        var row = table.Skip(2).Select(Cells).FirstOrDefault(cells => cells[0] == name);
        if (row is null)
            return null;
        Assert.Equal(headers.Count, row.Count);
        return headers.Zip(row).ToDictionary(p => p.First, p => p.Second);
    }

    private static List<string> Cells(string line)
    {
        // Splits on pipes that are not escaped, the way a markdown renderer reads the row.
        var cells = new List<string>();
        var current = new System.Text.StringBuilder();
        for (var i = 1; i < line.Length - 1; i++)
        {
            if (line[i] == '|' && line[i - 1] != '\\')
            {
                cells.Add(current.ToString().Trim());
                current.Clear();
            }
            else
            {
                current.Append(line[i]);
            }
        }
        cells.Add(current.ToString().Trim());
        return cells;
    }

    private static MetricSummary Summary(double mean = 0.1, double median = 0.1, double p90 = 0.1, double p99 = 0.1) =>
        new(10, mean, median, p90, p99, Math.Min(median, mean), Math.Max(p99, mean));

    private static BenchSettings Settings(string workload = "random", double rate = 10, double burstiness = 1,
        int? concurrency = 32, int? prompts = 100, int seed = 42) =>
        new("http://localhost:8000", "/v1/completions", "tiny", workload, seed, rate, burstiness, concurrency, prompts,
            DurationSeconds: null, WarmupRequests: 0, Goodput: null, WorkloadParameters: new Dictionary<string, string>(), ConfigDescription: null);

    private static BenchResult Result(string name, BenchSettings? settings = null, int completed = 10, int failed = 0,
        double duration = 10, double requestThroughput = 1, double outputThroughput = 100, double totalThroughput = 200,
        double? goodput = null, double prefixCacheHitRate = 0, MetricSummary? ttft = null, MetricSummary? tpot = null,
        MetricSummary? itl = null, MetricSummary? e2e = null, IReadOnlyList<RequestRecord>? requests = null) =>
        new(name, settings ?? Settings(), duration, completed, failed, TotalPromptTokens: 1000, TotalOutputTokens: 1000,
            TotalCachedTokens: 0, requestThroughput, outputThroughput, totalThroughput, goodput, prefixCacheHitRate,
            ttft ?? Summary(), tpot ?? Summary(), itl ?? Summary(), e2e ?? Summary(), requests ?? []);

    private static RequestRecord Record(int index, double sentAt, double ttft, double e2e, int outputTokens, bool success = true) =>
        new(index, Tag: null, sentAt, success, success ? null : "boom", PromptTokens: 50, outputTokens, CachedTokens: 0, ttft, e2e, []);

    /// <summary>Requests sent every 0.25 s whose latencies grow with <paramref name="scale"/>, so two configurations' curves separate.</summary>
    private static List<RequestRecord> Requests(int count, double scale) =>
        Enumerable.Range(0, count)
            .Select(i => Record(i, sentAt: i * 0.25, ttft: scale * (0.05 + 0.005 * (i % 10)), e2e: scale * (0.6 + 0.02 * (i % 7)), outputTokens: 32 + i % 5))
            .ToList();
}
