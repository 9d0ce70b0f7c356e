using LlmPlatform.Engine.Cpu;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>The CPU decode path's building blocks: bfloat16 rounding, dot products of any length, the worker team.</summary>
public sealed unsafe class CpuKernelTests
{
    [Fact]
    public void Bfloat16_rounding_matches_libtorch_cast()
    {
        var random = new Random(3);
        // Random magnitudes, exact ties (low half 0x8000), and values just either side of a tie.
        var values = Enumerable.Range(0, 4000).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-8, 8))))
            .Concat(Enumerable.Range(0, 200).SelectMany(i =>
            {
                var tie = (uint)random.Next() & 0xFFFF0000u | 0x8000u;
                return new[] { BitConverter.UInt32BitsToSingle(tie & 0x7FFFFFFF), BitConverter.UInt32BitsToSingle((tie & 0x7FFFFFFF) + 1), BitConverter.UInt32BitsToSingle((tie & 0x7FFFFFFF) - 1) };
            }))
            .Where(float.IsFinite)
            .ToArray();
        using var cast = tensor(values).to(ScalarType.BFloat16);
        var expected = cast.bytes.ToArray();

        var actual = values.SelectMany(v => BitConverter.GetBytes(Kernels.ToBFloat16(v))).ToArray();

        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(64)]
    [InlineData(577)]
    public void Dot_products_of_any_length_match_a_double_precision_sum(int length)
    {
        var random = new Random(length);
        var x = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var weights = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var bf16 = weights.Select(Kernels.ToBFloat16).ToArray();
        var expectedFloat = weights.Zip(x, (w, v) => (double)w * v).Sum();
        var expectedBf16 = bf16.Zip(x, (w, v) => (double)Kernels.FromBFloat16(w) * v).Sum();

        fixed (float* xp = x, wp = weights)
        fixed (ushort* bp = bf16)
        {
            Assert.Equal(expectedFloat, Kernels.Dot(wp, xp, length), 1e-4);
            Assert.Equal(expectedBf16, Kernels.Dot(bp, xp, length), 1e-4);
        }
    }

    [Fact]
    public void Team_phases_run_in_order_on_every_worker()
    {
        using var team = new WorkerTeam(3);
        var log = new int[3, 4];
        var clock = 0;
        team.Run(worker =>
        {
            for (var phase = 0; phase < 4; phase++)
            {
                log[worker, phase] = Interlocked.Increment(ref clock);
                team.Barrier();
            }
        });

        // Every worker's phase p was stamped before any worker's phase p + 1.
        for (var phase = 0; phase < 3; phase++)
        {
            var latest = Enumerable.Range(0, 3).Max(w => log[w, phase]);
            var earliestNext = Enumerable.Range(0, 3).Min(w => log[w, phase + 1]);
            Assert.True(latest < earliestNext, $"phase {phase} ended at {latest} after phase {phase + 1} began at {earliestNext}");
        }
    }

    [Fact]
    public void A_failing_worker_fails_the_run_and_the_team_keeps_working()
    {
        using var team = new WorkerTeam(2);

        var error = Assert.Throws<InvalidOperationException>(() => team.Run(worker =>
        {
            if (worker == 1)
            {
                throw new ArithmeticException("boom");
            }

            team.Barrier();
        }));

        Assert.IsType<ArithmeticException>(error.InnerException);
        var ran = new bool[2];
        team.Run(worker =>
        {
            team.Barrier();
            ran[worker] = true;
        });
        Assert.All(ran, Assert.True);
    }
}
