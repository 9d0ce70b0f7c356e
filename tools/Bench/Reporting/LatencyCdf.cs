namespace LlmPlatform.Bench.Reporting;

/// <summary>The empirical distribution of one latency over a run's successful requests, in milliseconds.</summary>
internal static class LatencyCdf
{
    /// <summary>
    /// Points of the empirical CDF: the sorted samples in milliseconds against the fraction of requests at or
    /// below each. A leading point at fraction 0 makes the curve start on the x axis, so a horizontal-then-vertical
    /// step through the points draws the right-continuous step function exactly.
    /// </summary>
    public static (double[] Milliseconds, double[] Fractions) Points(IEnumerable<double> seconds)
    {
        var sorted = seconds.Select(s => s * 1000.0).Order().ToArray();
        if (sorted.Length == 0)
            return ([], []);

        var xs = new double[sorted.Length + 1];
        var ys = new double[sorted.Length + 1];
        xs[0] = sorted[0];
        for (var i = 0; i < sorted.Length; i++)
        {
            xs[i + 1] = sorted[i];
            ys[i + 1] = (i + 1) / (double)sorted.Length;
        }
        return (xs, ys);
    }
}
