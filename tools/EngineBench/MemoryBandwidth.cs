using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;

namespace LlmPlatform.EngineBench;

/// <summary>One way of reading memory, and the best rate it reached.</summary>
internal sealed record BandwidthSample(string Method, long Bytes, double BestMs)
{
    public double GigabytesPerSecond => Bytes / (BestMs / 1e3) / 1e9;
}

/// <summary>
/// Memory read bandwidth, measured by summing a buffer far larger than the caches (the last-level cache is tens of
/// MB; the default buffer is 512 MiB), so every pass streams it from DRAM. Two independent readers: libtorch's
/// float32 sum (its own vectorized kernel, on libtorch's threads) and a C# Vector512 sum split over all cores. The
/// best pass of each counts: other work on a shared machine can only make a pass slower. The faster of the two is
/// the bandwidth the weight-streaming limit uses, which makes the limit the strictest of the two.
/// </summary>
internal static class MemoryBandwidth
{
    public static IReadOnlyList<BandwidthSample> Measure(long bytes, int passes = 8)
    {
        var samples = new[] { TorchSum(bytes, passes), ManagedSum(bytes, passes) };
        GC.Collect();
        return samples;
    }

    private static BandwidthSample TorchSum(long bytes, int passes)
    {
        using var buffer = ones([bytes / sizeof(float)], ScalarType.Float32);
        var best = double.MaxValue;
        for (var pass = 0; pass < passes; pass++)
        {
            var start = Stopwatch.GetTimestamp();
            using (var sum = buffer.sum())
            {
                sum.item<float>();
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        return new BandwidthSample($"libtorch sum, float32, {get_num_threads()} threads", bytes, best);
    }

    private static BandwidthSample ManagedSum(long bytes, int passes)
    {
        var values = GC.AllocateUninitializedArray<float>((int)(bytes / sizeof(float)));
        values.AsSpan().Fill(1f);
        var threads = Environment.ProcessorCount;
        var chunk = values.Length / threads / Vector512<float>.Count * Vector512<float>.Count;
        var partial = new float[threads];
        var best = double.MaxValue;
        for (var pass = 0; pass < passes; pass++)
        {
            var start = Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var length = t == threads - 1 ? values.Length - t * chunk : chunk;
                partial[t] = Sum(values.AsSpan(t * chunk, length));
            });
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }

        if (Math.Abs(partial.Sum() - values.Length) > values.Length * 1e-3)
        {
            throw new InvalidOperationException("The managed sum is wrong: the bandwidth pass did not read the whole buffer.");
        }

        return new BandwidthSample($"C# Vector512 sum, float32, {threads} threads", (long)values.Length * sizeof(float), best);
    }

    // Four independent accumulators, so the loop is bound by loads rather than by the latency of one add chain.
    private static float Sum(ReadOnlySpan<float> span)
    {
        var vectors = MemoryMarshal.Cast<float, Vector512<float>>(span);
        Vector512<float> a = default, b = default, c = default, d = default;
        var i = 0;
        for (; i + 4 <= vectors.Length; i += 4)
        {
            a += vectors[i];
            b += vectors[i + 1];
            c += vectors[i + 2];
            d += vectors[i + 3];
        }

        for (; i < vectors.Length; i++)
        {
            a += vectors[i];
        }

        var total = Vector512.Sum(a + b + c + d);
        foreach (var value in span[(vectors.Length * Vector512<float>.Count)..])
        {
            total += value;
        }

        return total;
    }
}
