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
/// current block's values while it scores, which halved a cold pass at context 256. Each query head then keeps its
/// partial sums in registers over all positions, so no loop carries a dependency through memory.
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
        var query = stackalloc float[headDim];
        for (var i = 0; i < count; i++)
        {
            var q = queries + i * headDim;
            var row = scores + i * length;
            for (var c = 0; c < headDim; c += 16)
            {
                T.Arrange16(q + c, scale, query + c);
            }

            Score(pool, query, headDim, cached, row, prefetch: i == 0);
            if (lastKey != null)
            {
                row[cached] = Kernels.Dot(lastKey, q, headDim) * scale;
            }

            Kernels.Softmax(row, length);
            var o = output + i * headDim;
            Mix(pool, row, headDim, cached, o);
            if (lastValue != null)
            {
                var weight = row[cached];
                for (var d = 0; d < headDim; d++)
                {
                    o[d] += weight * lastValue[d];
                }
            }
        }
    }

    /// <summary>scores[t] = K[t] · query over the cached positions, query arranged as <see cref="IElement.Load16"/> loads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Score<T>(in PoolHead<T> pool, float* query, int headDim, int cached, float* scores, bool prefetch)
        where T : IElement
    {
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
                Vector256<float> a = default, b = default;
                for (var c = 0; c < headDim; c += 16)
                {
                    var (first, second) = T.Load16(T.Offset(key, c));
                    a = Vector256.FusedMultiplyAdd(first, Vector256.Load(query + c), a);
                    b = Vector256.FusedMultiplyAdd(second, Vector256.Load(query + c + 8), b);
                }

                scores[t] = Vector256.Sum(a + b);
            }
        }
    }

    /// <summary>output = Σ weights[t] · V[t] over the cached positions, 32 then 16 dimensions at a time in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix<T>(in PoolHead<T> pool, float* weights, int headDim, int cached, float* output)
        where T : IElement
    {
        var c = 0;
        for (; c + 32 <= headDim; c += 32)
        {
            Vector256<float> a0 = default, b0 = default, a1 = default, b1 = default;
            var t = 0;
            for (var block = 0; t < cached; block++)
            {
                var value = T.Offset(pool.Row(pool.Values, block), c);
                for (var end = Math.Min(cached, t + pool.BlockSize); t < end; t++, value = T.Offset(value, pool.Stride))
                {
                    var weight = Vector256.Create(weights[t]);
                    var (first0, second0) = T.Load16(value);
                    var (first1, second1) = T.Load16(T.Offset(value, 16));
                    a0 = Vector256.FusedMultiplyAdd(first0, weight, a0);
                    b0 = Vector256.FusedMultiplyAdd(second0, weight, b0);
                    a1 = Vector256.FusedMultiplyAdd(first1, weight, a1);
                    b1 = Vector256.FusedMultiplyAdd(second1, weight, b1);
                }
            }

            T.Unarrange16(a0, b0, output + c);
            T.Unarrange16(a1, b1, output + c + 16);
        }

        for (; c < headDim; c += 16)
        {
            Vector256<float> a = default, b = default;
            var t = 0;
            for (var block = 0; t < cached; block++)
            {
                var value = T.Offset(pool.Row(pool.Values, block), c);
                for (var end = Math.Min(cached, t + pool.BlockSize); t < end; t++, value = T.Offset(value, pool.Stride))
                {
                    var weight = Vector256.Create(weights[t]);
                    var (first, second) = T.Load16(value);
                    a = Vector256.FusedMultiplyAdd(first, weight, a);
                    b = Vector256.FusedMultiplyAdd(second, weight, b);
                }
            }

            T.Unarrange16(a, b, output + c);
        }
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
