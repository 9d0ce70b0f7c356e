using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using LlmPlatform.Torch.Cpu;

/// <summary>What bounds PackedLinear below the whole call: the microkernel alone on one core, and the team's fork-join cost.</summary>
internal static unsafe class Diagnostics
{
    public static void Print(int threads, double seconds)
    {
        if (Avx512F.IsSupported)
        {
            Console.WriteLine(FormattableString.Invariant($"microkernel (Vector512, 8 x 48 tile, K = 384, operands in cache), one core: {KernelGflops(seconds):F1} GFLOP/s"));
        }

        var team = GemmTeam.Shared(threads);
        foreach (var gapMicroseconds in new[] { 0, 200, 2000 })
        {
            Console.WriteLine(FormattableString.Invariant($"team of {threads}, {2 * threads} items of 10 us (ideal {20:F0} us) after {gapMicroseconds} us of caller-only work: {RoundTripMicroseconds(team, threads, gapMicroseconds, seconds):F1} us per call (median)"));
        }
    }

    private static double KernelGflops(double seconds)
    {
        const int k = 384;
        var b = (float*)NativeMemory.AlignedAlloc((nuint)(k * GemmKernels.Columns * sizeof(float)), 64);
        var a = (float*)NativeMemory.AlignedAlloc((nuint)(GemmKernels.Rows * k * sizeof(float)), 64);
        var c = stackalloc float[GemmKernels.Rows * GemmKernels.Columns];
        var bias = stackalloc float[GemmKernels.Columns];
        var rows = stackalloc float*[GemmKernels.Rows];
        try
        {
            new Span<float>(b, k * GemmKernels.Columns).Fill(0.001f);
            new Span<float>(a, GemmKernels.Rows * k).Fill(0.001f);
            for (var i = 0; i < GemmKernels.Rows; i++)
            {
                rows[i] = a + i * k;
            }

            long calls = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalSeconds < seconds)
            {
                for (var i = 0; i < 1000; i++)
                {
                    GemmKernels.Tile512(rows, b, k, c, GemmKernels.Columns, bias);
                }

                calls += 1000;
            }

            return 2.0 * GemmKernels.Rows * GemmKernels.Columns * k * calls / watch.Elapsed.TotalSeconds / 1e9;
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
        }
    }

    private static double RoundTripMicroseconds(GemmTeam team, int threads, int gapMicroseconds, double seconds)
    {
        var work = new TenMicroseconds();
        var samples = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < seconds || samples.Count < 100)
        {
            var gapEnd = Stopwatch.GetTimestamp() + gapMicroseconds * Stopwatch.Frequency / 1_000_000;
            while (Stopwatch.GetTimestamp() < gapEnd)
            {
                Thread.SpinWait(10);
            }

            var start = Stopwatch.GetTimestamp();
            team.Run(work, 2 * threads);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        samples.Sort();
        return samples[samples.Count / 2];
    }

    private sealed class TenMicroseconds : IGemmWork
    {
        public void Execute(int item)
        {
            var end = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100_000;
            while (Stopwatch.GetTimestamp() < end)
            {
                Thread.SpinWait(10);
            }
        }
    }
}
