using System.Runtime.CompilerServices;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// Decode attention straight from the paged KV pools: query heads that share one KV head take a single pass over that
/// head's cached K and V, block by block through the block table, with no gather into a contiguous copy. Written by
/// hand because libtorch needs a gather plus a padded, masked SDPA per layer for the same work, which made attention
/// most of a batched CPU decode step (docs/benchmarks.md, "Where the time goes").
/// </summary>
internal static unsafe class PagedAttention
{
    /// <summary>
    /// output[i] = softmax(scale · q[i] · Kᵀ) · V for query heads i &lt; <paramref name="count"/> ([count, headDim],
    /// rotated, float32) over the <paramref name="cached"/> positions in the pools, plus one more position from
    /// <paramref name="lastKey"/> and <paramref name="lastValue"/> when they are given. The pools are
    /// [slots, kvHeads, headDim] of <typeparamref name="T"/>; <paramref name="scores"/> holds count × positions floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Attend<T>(float* queries, int count, int headDim, float scale, void* keys, void* values, int kvHeads, int kvHead,
        long[] blockTable, int blockSize, int cached, float* lastKey, float* lastValue, float* scores, float* output)
        where T : IElement
    {
        var length = cached + (lastKey == null ? 0 : 1);
        var stride = (long)kvHeads * headDim;
        var headOffset = (long)kvHead * headDim;
        var t = 0;
        for (var block = 0; t < cached; block++)
        {
            var slot = blockTable[block] * blockSize;
            for (var o = 0; o < blockSize && t < cached; o++, t++)
            {
                var key = T.Offset(keys, (slot + o) * stride + headOffset);
                for (var i = 0; i < count; i++)
                {
                    scores[i * length + t] = T.Dot16(key, queries + i * headDim, headDim) * scale;
                }
            }
        }

        new Span<float>(output, count * headDim).Clear();
        for (var i = 0; i < count; i++)
        {
            if (lastKey != null)
            {
                scores[i * length + cached] = Float32Element.Dot16(lastKey, queries + i * headDim, headDim) * scale;
            }

            Kernels.Softmax(scores + i * length, length);
            if (lastValue != null)
            {
                Float32Element.AddScaled16(lastValue, scores[i * length + cached], output + i * headDim, headDim);
            }
        }

        t = 0;
        for (var block = 0; t < cached; block++)
        {
            var slot = blockTable[block] * blockSize;
            for (var o = 0; o < blockSize && t < cached; o++, t++)
            {
                var value = T.Offset(values, (slot + o) * stride + headOffset);
                for (var i = 0; i < count; i++)
                {
                    T.AddScaled16(value, scores[i * length + t], output + i * headDim, headDim);
                }
            }
        }
    }
}
