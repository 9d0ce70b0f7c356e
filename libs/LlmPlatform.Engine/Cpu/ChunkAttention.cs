using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// Causal attention of a run of a prefill chunk's tokens, for the query heads under one KV head: the context's K and V
/// are read from the paged pools once, into float32 copies (K transposed), and every query of the run is scored
/// against eight positions per vector and mixed with the head's output held in registers. <see cref="PagedAttention"/>
/// serves one query at a time, and a chunk spent more in each query's setup, conversions and horizontal sums than in
/// arithmetic: 101 ms of a 32 x 32-token prefill step went to attention at ~12 GFLOP/s. With runs of 16 tokens the
/// step is ~6% shorter (docs/benchmarks.md).
/// </summary>
internal static unsafe class ChunkAttention
{
    /// <summary>Tokens of a chunk attended together: their context is copied once for all of them.</summary>
    public const int RunTokens = 16;

    /// <summary>
    /// output[t, i] = softmax(scale · q[t, i] · Kᵀ) · V over positions [0, start + t] for the <paramref name="tokens"/>
    /// tokens t at positions start, start + 1, … and the query heads i &lt; <paramref name="heads"/> of each (row t of
    /// <paramref name="queries"/> and of <paramref name="output"/> is <paramref name="stride"/> floats after row t - 1;
    /// heads are headDim apart in a row). Their K/V are already in the pools, [slots, kvHeads, headDim] of
    /// <typeparamref name="T"/>. <paramref name="keys32"/> holds headDim × <see cref="Padded"/>(start + tokens) floats,
    /// <paramref name="values32"/> as many, and <paramref name="scores"/> Padded(start + tokens).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Attend<T>(float* queries, float* output, int stride, int tokens, int heads, int headDim, float scale,
        void* keys, void* values, int kvHeads, int kvHead, long[] blockTable, int blockSize, int start,
        float* keys32, float* values32, float* scores)
        where T : IElement
    {
        var context = start + tokens;
        var width = Padded(context);
        Copy<T>(keys, values, kvHeads, kvHead, headDim, blockTable, blockSize, context, width, keys32, values32);
        for (var t = 0; t < tokens; t++)
        {
            var length = start + t + 1;
            for (var i = 0; i < heads; i++)
            {
                var offset = (long)t * stride + i * headDim;
                Score(queries + offset, keys32, headDim, width, length, scale, scores);
                Kernels.Softmax(scores, length);
                Mix(scores, values32, headDim, length, output + offset);
            }
        }
    }

    /// <summary>Positions rounded up to whole vectors: the row length of the transposed keys.</summary>
    public static int Padded(int positions) => (positions + 7) & ~7;

    /// <summary>
    /// keys32[d, p] and values32[p, d] for the first <paramref name="context"/> positions; the padding columns of the
    /// keys are zeroed so that scoring them reads no stale values (their scores are never used).
    /// </summary>
    private static void Copy<T>(void* keys, void* values, int kvHeads, int kvHead, int headDim, long[] blockTable, int blockSize, int context, int width,
        float* keys32, float* values32)
        where T : IElement
    {
        var stride = (long)kvHeads * headDim;
        var bfloat16 = T.Size == sizeof(ushort);
        var row = stackalloc float[headDim];
        for (var p = 0; p < context; p++)
        {
            var slot = blockTable[p / blockSize] * blockSize + p % blockSize;
            var element = slot * stride + (long)kvHead * headDim;
            Kernels.ToFloat(T.Offset(keys, element), bfloat16, row, headDim);
            for (var d = 0; d < headDim; d++)
            {
                keys32[(long)d * width + p] = row[d];
            }

            Kernels.ToFloat(T.Offset(values, element), bfloat16, values32 + (long)p * headDim, headDim);
        }

        for (var d = 0; d < headDim; d++)
        {
            for (var p = context; p < width; p++)
            {
                keys32[(long)d * width + p] = 0;
            }
        }
    }

    /// <summary>scores[p] = scale · q · K[p] for p &lt; length, 32 positions (four vectors) at a time, then 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Score(float* query, float* keys32, int headDim, int width, int length, float scale, float* scores)
    {
        var p = 0;
        for (; p + 32 <= length; p += 32)
        {
            Vector256<float> a = default, b = default, c = default, e = default;
            var column = keys32 + p;
            for (var d = 0; d < headDim; d++, column += width)
            {
                var q = Vector256.Create(query[d]);
                a = Vector256.FusedMultiplyAdd(q, Vector256.Load(column), a);
                b = Vector256.FusedMultiplyAdd(q, Vector256.Load(column + 8), b);
                c = Vector256.FusedMultiplyAdd(q, Vector256.Load(column + 16), c);
                e = Vector256.FusedMultiplyAdd(q, Vector256.Load(column + 24), e);
            }

            (a * scale).Store(scores + p);
            (b * scale).Store(scores + p + 8);
            (c * scale).Store(scores + p + 16);
            (e * scale).Store(scores + p + 24);
        }

        for (; p < length; p += 8)
        {
            Vector256<float> a = default;
            var column = keys32 + p;
            for (var d = 0; d < headDim; d++, column += width)
            {
                a = Vector256.FusedMultiplyAdd(Vector256.Create(query[d]), Vector256.Load(column), a);
            }

            (a * scale).Store(scores + p);
        }
    }

    /// <summary>output = Σ weights[p] · V[p] for p &lt; length, 32 dimensions at a time in registers (headDim a multiple of 16).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Mix(float* weights, float* values32, int headDim, int length, float* output)
    {
        var c = 0;
        for (; c + 32 <= headDim; c += 32)
        {
            Vector256<float> a = default, b = default, e = default, f = default;
            var value = values32 + c;
            for (var p = 0; p < length; p++, value += headDim)
            {
                var weight = Vector256.Create(weights[p]);
                a = Vector256.FusedMultiplyAdd(weight, Vector256.Load(value), a);
                b = Vector256.FusedMultiplyAdd(weight, Vector256.Load(value + 8), b);
                e = Vector256.FusedMultiplyAdd(weight, Vector256.Load(value + 16), e);
                f = Vector256.FusedMultiplyAdd(weight, Vector256.Load(value + 24), f);
            }

            a.Store(output + c);
            b.Store(output + c + 8);
            e.Store(output + c + 16);
            f.Store(output + c + 24);
        }

        for (; c < headDim; c += 16)
        {
            Vector256<float> a = default, b = default;
            var value = values32 + c;
            for (var p = 0; p < length; p++, value += headDim)
            {
                var weight = Vector256.Create(weights[p]);
                a = Vector256.FusedMultiplyAdd(weight, Vector256.Load(value), a);
                b = Vector256.FusedMultiplyAdd(weight, Vector256.Load(value + 8), b);
            }

            a.Store(output + c);
            b.Store(output + c + 8);
        }
    }
}
