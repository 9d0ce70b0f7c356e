using LlmPlatform.Bench.Results;
using ScottPlot;

namespace LlmPlatform.Bench.Reporting;

/// <summary>
/// Writes the comparison plots of one or more runs as PNG files, one series per configuration, so configurations
/// run against the same seeded workload can be told apart by their distributions rather than only their means.
/// </summary>
public static class PlotWriter
{
    public const string TtftCdfFile = "ttft_cdf.png";
    public const string TpotCdfFile = "tpot_cdf.png";
    public const string E2eCdfFile = "e2e_latency_cdf.png";
    public const string OutputThroughputFile = "output_throughput.png";

    /// <summary>Writes every plot into <paramref name="directory"/> (created if missing) and returns the file names written, in report order.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<BenchResult> results, string directory, int width = 900, int height = 540)
    {
        ArgumentOutOfRangeException.ThrowIfZero(results.Count);
        Directory.CreateDirectory(directory);

        return
        [
            WriteCdf(results, r => r.Ttft, "Time to first token", TtftCdfFile),
            WriteCdf(results, r => r.Tpot, "Time per output token", TpotCdfFile),
            WriteCdf(results, r => r.E2eLatency, "End-to-end latency", E2eCdfFile),
            WriteThroughput(results, OutputThroughputFile),
        ];

        string WriteCdf(IReadOnlyList<BenchResult> all, Func<RequestRecord, double?> metric, string title, string file)
        {
            var plot = NewPlot(title, "milliseconds", "fraction of requests");
            for (var i = 0; i < all.Count; i++)
            {
                var samples = all[i].Requests.Where(r => r.Success).Select(metric).OfType<double>();
                var (ms, fractions) = LatencyCdf.Points(samples);
                if (ms.Length == 0)
                    continue;
                AddSteps(plot, ms, fractions, i, all[i].Name);
            }
            plot.Axes.AutoScale();
            plot.Axes.SetLimitsY(0, 1.02);
            plot.ShowLegend(Alignment.LowerRight);
            return Save(plot, file);
        }

        // One configuration as a stepped line in its palette colour, the same colour in every plot.
        static void AddSteps(Plot plot, double[] xs, double[] ys, int configuration, string name)
        {
            var series = plot.Add.Scatter(xs, ys, plot.Add.Palette.GetColor(configuration));
            series.ConnectStyle = ConnectStyle.StepHorizontal;
            series.MarkerSize = 0;
            series.LineWidth = 2;
            series.LegendText = name;
        }

        string WriteThroughput(IReadOnlyList<BenchResult> all, string file)
        {
            var plot = NewPlot("Output throughput over time", "seconds since start (1 s bins)", "output tokens / s");
            for (var i = 0; i < all.Count; i++)
            {
                var perSecond = ThroughputTimeline.OutputTokensPerSecond(all[i].Requests);
                if (perSecond.Length == 0)
                    continue;
                // Drawn as steps so each bin's rate holds across the second it was measured over; the repeated
                // last value closes the final bin at its right edge.
                var edges = Enumerable.Range(0, perSecond.Length + 1).Select(b => (double)b).ToArray();
                var rates = perSecond.Append(perSecond[^1]).ToArray();
                AddSteps(plot, edges, rates, i, all[i].Name);
            }
            plot.Axes.AutoScale();
            var limits = plot.Axes.GetLimits();
            plot.Axes.SetLimits(0, Math.Max(1, limits.Right), 0, Math.Max(1, limits.Top));
            plot.ShowLegend(Alignment.UpperRight);
            return Save(plot, file);
        }

        string Save(Plot plot, string file)
        {
            plot.SavePng(Path.Combine(directory, file), width, height);
            return file;
        }
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Font.Set(PlotFonts.Family);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }
}
