using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// Decode attention straight from the paged KV pools: query heads that share one KV head read that head's cached K
/// and V block by block through the block table, with no gather into a contiguous copy. Written by hand because
/// libtorch needs a gather plus a padded, masked SDPA per layer for the same work, which made attention most of a
/// batched CPU decode step (docs/benchmarks.md, "Where the time goes").
/// </summary>
/// <remarks>
/// A head's K and V are 128-256 bytes every kv_heads × head_dim elements, and the projections before attention have
/// just streamed megabytes of weights through the caches, so the first query head of a pass waits on memory: the
/// hardware prefetchers do not follow the block table. The pass therefore prefetches the next block's keys and the
/// current block's values while it scores, which halved a cold pass at context 256. Up to four query heads share a
/// pass, each with its partial sums in registers over all positions, so every K and V row is loaded and widened once
/// for all of them and no loop carries a dependency through memory. Head by head, a 32-sequence decode step at context
/// ~1,000 took 111-163 ms; four heads a pass, 92-140 (docs/benchmarks.md).
///
/// Score and MixSlice are compiled apart from Attend, not inlined into it: inlined, their eight instantiations
/// exhausted the JIT's inlining budget for Attend, so the per-head tests (THeads.Count) and HeadBlock's accessors
/// became calls inside the loops and the mix kept its sums on the stack, and a 16-sequence pass over 30 layers at
/// context 64 took 4.0-4.2 ms instead of 2.8 (EngineBench attention; docs/benchmarks.md, "Decode attention compiled
/// apart").
/// </remarks>
internal static unsafe class PagedAttention
{
    /// <summary>
    /// output[i] = softmax(scale · q[i] · Kᵀ) · V for query heads i &lt; <paramref name="count"/> ([count, headDim],
    /// rotated, float32, headDim a multiple of 16) over the <paramref name="cached"/> positions in the pools, plus one
    /// more position from <paramref name="lastKey"/> and <paramref name="lastValue"/> when they are given. The pools
    /// are [slots, kvHeads, headDim] of <typeparamref name="T"/>; <paramref name="scores"/> holds count × positions floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Attend<T>(float* queries, int count, int headDim, float scale, void* keys, void* values, int kvHeads, int kvHead,
        long[] blockTable, int blockSize, int cached, float* lastKey, float* lastValue, float* scores, float* output)
        where T : IElement
    {
        var length = cached + (lastKey == null ? 0 : 1);
        var pool = new PoolHead<T>(keys, values, kvHeads, kvHead, headDim, blockTable, blockSize);
        var arranged = stackalloc float[count * headDim];
        for (var i = 0; i < count; i++)
        {
            for (var c = 0; c < headDim; c += 16)
            {
                T.Arrange16(queries + i * headDim + c, scale, arranged + i * headDim + c);
            }
        }

        // Heads in blocks of up to four share each load (and bfloat16 widening) of a K or V row.
        for (var first = 0; first < count; first += MaxHeads)
        {
            var block = new HeadBlock(arranged + first * headDim, scores + first * length, output + first * headDim, headDim, length);
            switch (Math.Min(MaxHeads, count - first))
            {
                case 1: Score<T, One>(pool, block, cached, prefetch: first == 0); break;
                case 2: Score<T, Two>(pool, block, cached, prefetch: first == 0); break;
                case 3: Score<T, Three>(pool, block, cached, prefetch: first == 0); break;
                default: Score<T, Four>(pool, block, cached, prefetch: first == 0); break;
            }
        }

        for (var i = 0; i < count; i++)
        {
            var row = scores + i * length;
            if (lastKey != null)
            {
                row[cached] = Kernels.Dot(lastKey, queries + i * headDim, headDim) * scale;
            }

            Kernels.Softmax(row, length);
        }

        for (var first = 0; first < count; first += MaxHeads)
        {
            var block = new HeadBlock(arranged + first * headDim, scores + first * length, output + first * headDim, headDim, length);
            switch (Math.Min(MaxHeads, count - first))
            {
                case 1: Mix<T, One>(pool, block, cached); break;
                case 2: Mix<T, Two>(pool, block, cached); break;
                case 3: Mix<T, Three>(pool, block, cached); break;
                default: Mix<T, Four>(pool, block, cached); break;
            }
        }

        if (lastValue != null)
        {
            for (var i = 0; i < count; i++)
            {
                var weight = scores[i * length + cached];
                var o = output + i * headDim;
                for (var d = 0; d < headDim; d++)
                {
                    o[d] += weight * lastValue[d];
                }
            }
        }
    }

    /// <summary>The most query heads scored and mixed in one pass over a KV head's rows (their sums stay in registers).</summary>
    private const int MaxHeads = 4;

    /// <summary>
    /// scores[h][t] = K[t] · query[h] over the cached positions for the block's heads, queries arranged as
    /// <see cref="IElement.Load16"/> loads; each K row is loaded once for all of them.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Score<T, THeads>(in PoolHead<T> pool, in HeadBlock heads, int cached, bool prefetch)
        where T : IElement
        where THeads : ICount
    {
        float* q0 = heads.Query(0), q1 = heads.Query(1), q2 = heads.Query(2), q3 = heads.Query(3);
        var t = 0;
        for (var block = 0; t < cached; block++)
        {
            var end = Math.Min(cached, t + pool.BlockSize);
            if (prefetch)
            {
                if (block == 0)
                {
                    pool.Prefetch(pool.Keys, block, end - t);
                }

                if (end < cached)
                {
                    pool.Prefetch(pool.Keys, block + 1, Math.Min(pool.BlockSize, cached - end));
                }

                pool.Prefetch(pool.Values, block, end - t);
            }

            var key = pool.Row(pool.Keys, block);
            for (; t < end; t++, key = T.Offset(key, pool.Stride))
            {
                Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
                for (var c = 0; c < heads.HeadDim; c += 16)
                {
                    var (first, second) = T.Load16(T.Offset(key, c));
                    a0 = Vector256.FusedMultiplyAdd(first, Vector256.Load(q0 + c), a0);
                    b0 = Vector256.FusedMultiplyAdd(second, Vector256.Load(q0 + c + 8), b0);
                    if (THeads.Count > 1)
                    {
                        a1 = Vector256.FusedMultiplyAdd(first, Vector256.Load(q1 + c), a1);
                        b1 = Vector256.FusedMultiplyAdd(second, Vector256.Load(q1 + c + 8), b1);
                    }

                    if (THeads.Count > 2)
                    {
                        a2 = Vector256.FusedMultiplyAdd(first, Vector256.Load(q2 + c), a2);
                        b2 = Vector256.FusedMultiplyAdd(second, Vector256.Load(q2 + c + 8), b2);
                    }

                    if (THeads.Count > 3)
                    {
                        a3 = Vector256.FusedMultiplyAdd(first, Vector256.Load(q3 + c), a3);
                        b3 = Vector256.FusedMultiplyAdd(second, Vector256.Load(q3 + c + 8), b3);
                    }
                }

                heads.Scores(0)[t] = Vector256.Sum(a0 + b0);
                if (THeads.Count > 1)
                {
                    heads.Scores(1)[t] = Vector256.Sum(a1 + b1);
                }

                if (THeads.Count > 2)
                {
                    heads.Scores(2)[t] = Vector256.Sum(a2 + b2);
                }

                if (THeads.Count > 3)
                {
                    heads.Scores(3)[t] = Vector256.Sum(a3 + b3);
                }
            }
        }
    }

    /// <summary>
    /// output[h] = Σ weights[h][t] · V[t] over the cached positions for the block's heads, 32 dimensions at a time in
    /// registers (then 16, for a head size that is an odd multiple of 16); each slice of a V row is loaded once for all of them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix<T, THeads>(in PoolHead<T> pool, in HeadBlock heads, int cached)
        where T : IElement
        where THeads : ICount
    {
        var c = 0;
        for (; c + 32 <= heads.HeadDim; c += 32)
        {
            MixSlice<T, THeads, Two>(pool, heads, cached, c);
        }

        if (c < heads.HeadDim)
        {
            MixSlice<T, THeads, One>(pool, heads, cached, c);
        }
    }

    /// <summary>Dimensions [c, c + 16 × TSlices) of <see cref="Mix"/>, TSlices one or two.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void MixSlice<T, THeads, TSlices>(in PoolHead<T> pool, in HeadBlock heads, int cached, int c)
        where T : IElement
        where THeads : ICount
        where TSlices : ICount
    {
        float* w0 = heads.Scores(0), w1 = heads.Scores(1), w2 = heads.Scores(2), w3 = heads.Scores(3);
        Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default, a2 = default, b2 = default, a3 = default, b3 = default;
        Vector256<float> e0 = default, f0 = default, e1 = default, f1 = default, e2 = default, f2 = default, e3 = default, f3 = default;
        var t = 0;
        for (var block = 0; t < cached; block++)
        {
            var value = T.Offset(pool.Row(pool.Values, block), c);
            for (var end = Math.Min(cached, t + pool.BlockSize); t < end; t++, value = T.Offset(value, pool.Stride))
            {
                var (first, second) = T.Load16(value);
                var (third, fourth) = TSlices.Count > 1 ? T.Load16(T.Offset(value, 16)) : default;
                var weight = Vector256.Create(w0[t]);
                a0 = Vector256.FusedMultiplyAdd(first, weight, a0);
                b0 = Vector256.FusedMultiplyAdd(second, weight, b0);
                if (TSlices.Count > 1)
                {
                    e0 = Vector256.FusedMultiplyAdd(third, weight, e0);
                    f0 = Vector256.FusedMultiplyAdd(fourth, weight, f0);
                }

                if (THeads.Count > 1)
                {
                    weight = Vector256.Create(w1[t]);
                    a1 = Vector256.FusedMultiplyAdd(first, weight, a1);
                    b1 = Vector256.FusedMultiplyAdd(second, weight, b1);
                    if (TSlices.Count > 1)
                    {
                        e1 = Vector256.FusedMultiplyAdd(third, weight, e1);
                        f1 = Vector256.FusedMultiplyAdd(fourth, weight, f1);
                    }
                }

                if (THeads.Count > 2)
                {
                    weight = Vector256.Create(w2[t]);
                    a2 = Vector256.FusedMultiplyAdd(first, weight, a2);
                    b2 = Vector256.FusedMultiplyAdd(second, weight, b2);
                    if (TSlices.Count > 1)
                    {
                        e2 = Vector256.FusedMultiplyAdd(third, weight, e2);
                        f2 = Vector256.FusedMultiplyAdd(fourth, weight, f2);
                    }
                }

                if (THeads.Count > 3)
                {
                    weight = Vector256.Create(w3[t]);
                    a3 = Vector256.FusedMultiplyAdd(first, weight, a3);
                    b3 = Vector256.FusedMultiplyAdd(second, weight, b3);
                    if (TSlices.Count > 1)
                    {
                        e3 = Vector256.FusedMultiplyAdd(third, weight, e3);
                        f3 = Vector256.FusedMultiplyAdd(fourth, weight, f3);
                    }
                }
            }
        }

        Store(a0, b0, e0, f0, heads.Output(0) + c);
        if (THeads.Count > 1)
        {
            Store(a1, b1, e1, f1, heads.Output(1) + c);
        }

        if (THeads.Count > 2)
        {
            Store(a2, b2, e2, f2, heads.Output(2) + c);
        }

        if (THeads.Count > 3)
        {
            Store(a3, b3, e3, f3, heads.Output(3) + c);
        }

        static void Store(Vector256<float> a, Vector256<float> b, Vector256<float> e, Vector256<float> f, float* output)
        {
            T.Unarrange16(a, b, output);
            if (TSlices.Count > 1)
            {
                T.Unarrange16(e, f, output + 16);
            }
        }
    }

    /// <summary>Consecutive query heads of one pass: their arranged queries, score rows and outputs.</summary>
    private readonly struct HeadBlock(float* queries, float* scores, float* output, int headDim, int length)
    {
        public int HeadDim { get; } = headDim;

        public float* Query(int head) => queries + head * HeadDim;

        public float* Scores(int head) => scores + head * length;

        public float* Output(int head) => output + head * HeadDim;
    }

    /// <summary>
    /// A small count as a type (heads in a pass, 16-wide slices of a value row), so that the JIT compiles one loop per
    /// count with the code for the unused ones removed.
    /// </summary>
    private interface ICount
    {
        static abstract int Count { get; }
    }

    private readonly struct One : ICount
    {
        public static int Count => 1;
    }

    private readonly struct Two : ICount
    {
        public static int Count => 2;
    }

    private readonly struct Three : ICount
    {
        public static int Count => 3;
    }

    private readonly struct Four : ICount
    {
        public static int Count => 4;
    }

    /// <summary>One KV head of a layer's pools, addressed through one sequence's block table.</summary>
    private readonly struct PoolHead<T>(void* keys, void* values, int kvHeads, int kvHead, int headDim, long[] blockTable, int blockSize)
        where T : IElement
    {
        public void* Keys { get; } = T.Offset(keys, (long)kvHead * headDim);

        public void* Values { get; } = T.Offset(values, (long)kvHead * headDim);

        /// <summary>Elements from one position's row of this head to the next one's.</summary>
        public long Stride { get; } = (long)kvHeads * headDim;

        public int BlockSize { get; } = blockSize;

        /// <summary>The first position of logical block <paramref name="block"/> in <paramref name="pool"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void* Row(void* pool, int block) => T.Offset(pool, blockTable[block] * BlockSize * Stride);

        /// <summary>Asks for the first <paramref name="rows"/> positions of a block to be brought into the caches.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Prefetch(void* pool, int block, int rows)
        {
            if (!Sse.IsSupported)
            {
                return;
            }

            var bytes = headDim * T.Size;
            var row = (byte*)Row(pool, block);
            for (var r = 0; r < rows; r++, row += Stride * T.Size)
            {
                for (var line = 0; line < bytes; line += 64)
                {
                    Sse.Prefetch0(row + line);
                }
            }
        }
    }
}
