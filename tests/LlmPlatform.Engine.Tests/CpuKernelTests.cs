using LlmPlatform.Engine.Cpu;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>The CPU decode path's building blocks: bfloat16 rounding, dot products of any length, paged attention, the worker team.</summary>
public sealed unsafe class CpuKernelTests
{
    [Fact]
    public void Bfloat16_rounding_and_vector_stores_match_libtorch_cast()
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
        var stored = new byte[expected.Length];
        fixed (float* source = values)
        fixed (byte* destination = stored)
        {
            Kernels.FromFloat(source, destination, bfloat16: true, values.Length);
        }

        Assert.Equal(expected, actual);
        Assert.Equal(expected, stored);
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

    /// <summary>
    /// Paged attention against a plain double-precision softmax(q·Kᵀ/√d)·V over the same positions gathered in order:
    /// head sizes of one to eight 16-wide slices, one to seven query heads (passes of up to four heads and a remainder),
    /// a scattered block table with a partial last block, with and without the new token's K/V given separately,
    /// bfloat16 and float32 pools.
    /// </summary>
    [Theory]
    [InlineData(16, 37, true, true, 3)]
    [InlineData(48, 16, false, true, 1)]
    [InlineData(64, 50, true, false, 4)]
    [InlineData(128, 3, false, false, 2)]
    [InlineData(64, 0, true, true, 3)]
    [InlineData(64, 45, true, true, 7)]
    public void Paged_attention_matches_a_plain_reference(int headDim, int cached, bool bfloat16, bool withLast, int count)
    {
        const int blockSize = 16, kvHeads = 3, kvHead = 1, blocks = 8;
        var random = new Random(headDim * 100 + cached + count);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        var (keys, values) = RandomPools(Next, blocks * blockSize * kvHeads * headDim, bfloat16);

        long[] table = [5, 2, 7, 0];
        var queries = Enumerable.Range(0, count * headDim).Select(_ => Next()).ToArray();
        var lastKey = Enumerable.Range(0, headDim).Select(_ => Next()).ToArray();
        var lastValue = Enumerable.Range(0, headDim).Select(_ => Next()).ToArray();
        var scale = 1f / MathF.Sqrt(headDim);
        var length = cached + (withLast ? 1 : 0);
        var output = new float[count * headDim];
        var scores = new float[count * length];

        float[] Row(float[] pool, int t) =>
            pool.AsSpan((int)(((table[t / blockSize] * blockSize + t % blockSize) * kvHeads + kvHead) * headDim), headDim).ToArray();
        var keyRows = Enumerable.Range(0, cached).Select(t => Row(keys, t)).Concat(withLast ? [lastKey] : []).ToArray();
        var valueRows = Enumerable.Range(0, cached).Select(t => Row(values, t)).Concat(withLast ? [lastValue] : []).ToArray();

        var keyBits = keys.Select(Kernels.ToBFloat16).ToArray();
        var valueBits = values.Select(Kernels.ToBFloat16).ToArray();
        fixed (float* q = queries, k = keys, v = values, lk = lastKey, lv = lastValue, s = scores, o = output)
        fixed (ushort* kb = keyBits, vb = valueBits)
        {
            var lastK = withLast ? lk : null;
            var lastV = withLast ? lv : null;
            if (bfloat16)
            {
                PagedAttention.Attend<BFloat16Element>(q, count, headDim, scale, kb, vb, kvHeads, kvHead, table, blockSize, cached, lastK, lastV, s, o);
            }
            else
            {
                PagedAttention.Attend<Float32Element>(q, count, headDim, scale, k, v, kvHeads, kvHead, table, blockSize, cached, lastK, lastV, s, o);
            }
        }

        for (var i = 0; i < count; i++)
        {
            AssertAttends(keyRows, valueRows, queries, output, i * headDim, headDim, scale);
        }
    }

    /// <summary>
    /// Chunk attention against a plain double-precision causal softmax(q·Kᵀ/√d)·V: a run of tokens after a cached prefix
    /// (or none), a scattered block table with a partial last block, context lengths on and off whole vectors and past
    /// 32 positions, head sizes that take the 32-wide, the 16-wide and both value loops, bfloat16 and float32 pools.
    /// </summary>
    [Theory]
    [InlineData(16, 0, 16, true)]
    [InlineData(48, 21, 5, false)]
    [InlineData(64, 40, 16, true)]
    [InlineData(128, 3, 2, false)]
    public void Chunk_attention_matches_a_plain_causal_reference(int headDim, int start, int tokens, bool bfloat16)
    {
        const int blockSize = 16, kvHeads = 3, kvHead = 2, heads = 2, blocks = 8;
        var random = new Random(headDim * 100 + start);
        float Next() => (float)(random.NextDouble() * 2 - 1);
        var (keys, values) = RandomPools(Next, blocks * blockSize * kvHeads * headDim, bfloat16);

        long[] table = [6, 1, 4, 7];
        var stride = heads * headDim + 8;
        var queries = Enumerable.Range(0, tokens * stride).Select(_ => Next()).ToArray();
        var scale = 1f / MathF.Sqrt(headDim);
        var context = start + tokens;
        var output = new float[tokens * stride];
        var keys32 = new float[ChunkAttention.Padded(context) * headDim];
        var values32 = new float[ChunkAttention.Padded(context) * headDim];
        var scores = new float[ChunkAttention.Padded(context)];

        float[] Row(float[] pool, int t) =>
            pool.AsSpan((int)(((table[t / blockSize] * blockSize + t % blockSize) * kvHeads + kvHead) * headDim), headDim).ToArray();
        var keyBits = keys.Select(Kernels.ToBFloat16).ToArray();
        var valueBits = values.Select(Kernels.ToBFloat16).ToArray();
        fixed (float* q = queries, k = keys, v = values, o = output, k32 = keys32, v32 = values32, s = scores)
        fixed (ushort* kb = keyBits, vb = valueBits)
        {
            if (bfloat16)
            {
                ChunkAttention.Attend<BFloat16Element>(q, o, stride, tokens, heads, headDim, scale, kb, vb, kvHeads, kvHead, table, blockSize, start, k32, v32, s);
            }
            else
            {
                ChunkAttention.Attend<Float32Element>(q, o, stride, tokens, heads, headDim, scale, k, v, kvHeads, kvHead, table, blockSize, start, k32, v32, s);
            }
        }

        for (var t = 0; t < tokens; t++)
        {
            var keyRows = Enumerable.Range(0, start + t + 1).Select(p => Row(keys, p)).ToArray();
            var valueRows = Enumerable.Range(0, start + t + 1).Select(p => Row(values, p)).ToArray();
            for (var i = 0; i < heads; i++)
            {
                AssertAttends(keyRows, valueRows, queries, output, t * stride + i * headDim, headDim, scale);
            }
        }

        // The padding between rows is the caller's and stays untouched.
        Assert.All(Enumerable.Range(0, tokens), t => Assert.All(output.AsSpan(t * stride + heads * headDim, 8).ToArray(), x => Assert.Equal(0f, x)));
    }

    /// <summary>K and V pools of <paramref name="slots"/> random values each, rounded to bfloat16 when stored so.</summary>
    private static (float[] Keys, float[] Values) RandomPools(Func<float> next, int slots, bool bfloat16)
    {
        var keys = Enumerable.Range(0, slots).Select(_ => next()).ToArray();
        var values = Enumerable.Range(0, slots).Select(_ => next()).ToArray();
        float[] Stored(float[] pool) => bfloat16 ? pool.Select(v => Kernels.FromBFloat16(Kernels.ToBFloat16(v))).ToArray() : pool;
        return (Stored(keys), Stored(values));
    }

    /// <summary>
    /// output[at..at + headDim] equals softmax(scale · q · Kᵀ) · V in double precision, q = queries[at..], K and V the
    /// given rows in position order.
    /// </summary>
    private static void AssertAttends(float[][] keyRows, float[][] valueRows, float[] queries, float[] output, int at, int headDim, float scale)
    {
        var logits = keyRows.Select(key => key.Select((x, d) => (double)x * queries[at + d]).Sum() * scale).ToArray();
        var max = logits.Max();
        var weights = logits.Select(l => Math.Exp(l - max)).ToArray();
        var total = weights.Sum();
        for (var d = 0; d < headDim; d++)
        {
            var expected = valueRows.Select((row, p) => weights[p] / total * row[d]).Sum();
            Assert.Equal(expected, output[at + d], 1e-5);
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

    /// <summary>
    /// Each run executes the body once on every worker, with no barrier in it: a fast worker must not take a second
    /// worker's start and run twice (which left that worker's share unwritten on hosts of more than two cores).
    /// </summary>
    [Fact]
    public void Every_worker_runs_the_body_exactly_once_per_run()
    {
        const int size = 4, runs = 2000;
        using var team = new WorkerTeam(size);
        var counts = new int[size];
        var wrong = 0;
        for (var run = 0; run < runs; run++)
        {
            var seen = new int[size];
            team.Run(worker => Interlocked.Increment(ref seen[worker]));
            wrong += seen.Count(c => c != 1);
            for (var worker = 0; worker < size; worker++)
            {
                counts[worker] += seen[worker];
            }
        }

        Assert.Equal(0, wrong);
        Assert.All(counts, count => Assert.Equal(runs, count));
    }

    [Fact]
    public void Weighted_shares_are_contiguous_and_even_in_weight_within_one_item()
    {
        using var pair = new WorkerTeam(2);
        Assert.Equal([0, 48, 96], pair.WeightedShares(Enumerable.Repeat(5L, 96).ToList()));
        Assert.Equal([0, 1, 11], pair.WeightedShares([1000L, .. Enumerable.Repeat(1L, 10)]));
        Assert.Equal([0, 10, 11], pair.WeightedShares([.. Enumerable.Repeat(1L, 10), 1000L]));

        using var team = new WorkerTeam(3);
        Assert.Equal([0, 1, 1, 2], team.WeightedShares([4L, 4L]));
        Assert.Equal([0, 0, 0, 0], team.WeightedShares([]));
        var random = new Random(5);
        for (var trial = 0; trial < 200; trial++)
        {
            var weights = Enumerable.Range(0, random.Next(1, 60)).Select(_ => (long)random.Next(1, 5000)).ToList();
            var bounds = team.WeightedShares(weights);

            Assert.Equal(0, bounds[0]);
            Assert.Equal(weights.Count, bounds[^1]);
            for (var w = 0; w < 3; w++)
            {
                Assert.True(bounds[w] <= bounds[w + 1]);
                var share = weights.Skip(bounds[w]).Take(bounds[w + 1] - bounds[w]).Sum();
                Assert.True(Math.Abs(share - weights.Sum() / 3.0) <= weights.Max(), $"trial {trial}: worker {w} has {share} of {weights.Sum()}");
            }
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
