using LlmPlatform.Bench.Results;

namespace LlmPlatform.Bench.Reporting;

/// <summary>Output tokens per second over a run, in one-second bins from the start of the measured run.</summary>
internal static class ThroughputTimeline
{
    /// <summary>
    /// Tokens per second in bin i, which covers [i, i+1) seconds. A request's output tokens are spread evenly over
    /// its decode interval, from its first token (SentAt + Ttft) to its last (FinishedAt), in proportion to the
    /// overlap with each bin: that is when the server produced them, whereas charging them all to the finish bin
    /// would draw a long generation as one spike at its end. A request whose tokens all arrived at one instant
    /// counts wholly in the bin holding that instant.
    /// </summary>
    public static double[] OutputTokensPerSecond(IEnumerable<RequestRecord> requests)
    {
        var decoding = requests.Where(r => r.Success && r.OutputTokens > 0).ToList();
        if (decoding.Count == 0)
            return [];

        var bins = new double[(int)Math.Floor(decoding.Max(r => r.FinishedAt)) + 1];
        foreach (var request in decoding)
        {
            var start = Math.Min(request.SentAt + request.Ttft, request.FinishedAt);
            var end = request.FinishedAt;
            if (end - start <= 0)
            {
                bins[Bin(end)] += request.OutputTokens;
                continue;
            }

            var tokensPerSecond = request.OutputTokens / (end - start);
            for (var bin = Bin(start); bin <= Bin(end); bin++)
            {
                var overlap = Math.Min(end, bin + 1) - Math.Max(start, bin);
                if (overlap > 0)
                    bins[bin] += tokensPerSecond * overlap;
            }
        }
        return bins;
    }

    private static int Bin(double seconds) => Math.Max(0, (int)Math.Floor(seconds));
}
