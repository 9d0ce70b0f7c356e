using System.Diagnostics;
using static TorchSharp.torch;

namespace LlmPlatform.EngineBench;

internal static class Timing
{
    /// <summary>Median milliseconds of <paramref name="body"/>, each run in its own dispose scope, after two warm-up runs.</summary>
    public static double MedianMs(Action body, int iterations)
    {
        var times = new double[iterations];
        for (var i = -2; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using (NewDisposeScope())
            {
                body();
            }

            if (i >= 0)
            {
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        return Summary.Of(times).Median;
    }
}
