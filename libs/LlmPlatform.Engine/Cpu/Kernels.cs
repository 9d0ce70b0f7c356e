using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// The vector loops of the CPU decode path, over float32 activations and bfloat16 or float32 weights. Hand-written
/// because libtorch has no fused batch-1 kernels and each of its calls costs 1-2 µs of dispatch, and
/// System.Numerics.Tensors has no bfloat16: a bfloat16 is the high half of a float32, so widening is a 16-bit shift.
/// 256-bit vectors: as fast as 512-bit ones on Zen 4 (which splits them) and present on every x86-64-v3 CPU.
/// </summary>
internal static unsafe class Kernels
{
    /// <summary>Σ w[i]·x[i] over bfloat16 weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(ushort* w, float* x, int n)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i + 32 <= n; i += 32)
        {
            var (w0, w1) = Vector256.Widen(Vector256.Load(w + i));
            var (w2, w3) = Vector256.Widen(Vector256.Load(w + i + 16));
            a0 = Vector256.FusedMultiplyAdd((w0 << 16).AsSingle(), Vector256.Load(x + i), a0);
            a1 = Vector256.FusedMultiplyAdd((w1 << 16).AsSingle(), Vector256.Load(x + i + 8), a1);
            a2 = Vector256.FusedMultiplyAdd((w2 << 16).AsSingle(), Vector256.Load(x + i + 16), a2);
            a3 = Vector256.FusedMultiplyAdd((w3 << 16).AsSingle(), Vector256.Load(x + i + 24), a3);
        }

        var sum = Vector256.Sum(a0 + a1 + (a2 + a3));
        for (; i < n; i++)
        {
            sum += FromBFloat16(w[i]) * x[i];
        }

        return sum;
    }

    /// <summary>Σ w[i]·x[i] over float32 weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Dot(float* w, float* x, int n)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var i = 0;
        for (; i + 32 <= n; i += 32)
        {
            a0 = Vector256.FusedMultiplyAdd(Vector256.Load(w + i), Vector256.Load(x + i), a0);
            a1 = Vector256.FusedMultiplyAdd(Vector256.Load(w + i + 8), Vector256.Load(x + i + 8), a1);
            a2 = Vector256.FusedMultiplyAdd(Vector256.Load(w + i + 16), Vector256.Load(x + i + 16), a2);
            a3 = Vector256.FusedMultiplyAdd(Vector256.Load(w + i + 24), Vector256.Load(x + i + 24), a3);
        }

        var sum = Vector256.Sum(a0 + a1 + (a2 + a3));
        for (; i < n; i++)
        {
            sum += w[i] * x[i];
        }

        return sum;
    }

    /// <summary>Σ x[i]².</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SumOfSquares(float* x, int n)
    {
        var squares = Vector256<float>.Zero;
        var i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var v = Vector256.Load(x + i);
            squares = Vector256.FusedMultiplyAdd(v, v, squares);
        }

        var sum = Vector256.Sum(squares);
        for (; i < n; i++)
        {
            sum += x[i] * x[i];
        }

        return sum;
    }

    /// <summary>y = x / sqrt(mean(x²) + ε) · weight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RmsNorm(float* x, float* weight, float* y, int n, float epsilon)
    {
        var scale = 1f / MathF.Sqrt(SumOfSquares(x, n) / n + epsilon);
        var i = 0;
        for (; i + 8 <= n; i += 8)
        {
            (Vector256.Load(x + i) * scale * Vector256.Load(weight + i)).Store(y + i);
        }

        for (; i < n; i++)
        {
            y[i] = x[i] * scale * weight[i];
        }
    }

    /// <summary>gate[i] = silu(gate[i]) · up[i], in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SiluMultiply(float* gate, float* up, int n)
    {
        var i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var g = Vector256.Load(gate + i);
            (g / (Vector256<float>.One + Vector256.Exp(-g)) * Vector256.Load(up + i)).Store(gate + i);
        }

        for (; i < n; i++)
        {
            gate[i] = gate[i] / (1f + MathF.Exp(-gate[i])) * up[i];
        }
    }

    /// <summary>Rotary embedding in the "rotate half" layout, in place on one head.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rotate(float* head, float* cos, float* sin, int half)
    {
        for (var i = 0; i < half; i++)
        {
            var x1 = head[i];
            var x2 = head[i + half];
            head[i] = x1 * cos[i] - x2 * sin[i];
            head[i + half] = x2 * cos[i] + x1 * sin[i];
        }
    }

    /// <summary>The largest of x's n elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Max(float* x, int n)
    {
        var maxima = Vector256.Create(float.NegativeInfinity);
        var j = 0;
        for (; j + 8 <= n; j += 8)
        {
            maxima = Vector256.Max(maxima, Vector256.Load(x + j));
        }

        var max = float.NegativeInfinity;
        for (var k = 0; k < Vector256<float>.Count; k++)
        {
            max = MathF.Max(max, maxima.GetElement(k));
        }

        for (; j < n; j++)
        {
            max = MathF.Max(max, x[j]);
        }

        return max;
    }

    /// <summary>Softmax in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(float* x, int n)
    {
        var max = Max(x, n);
        var j = 0;
        var shift = Vector256.Create(max);
        var total = Vector256<float>.Zero;
        for (; j + 8 <= n; j += 8)
        {
            var e = Vector256.Exp(Vector256.Load(x + j) - shift);
            e.Store(x + j);
            total += e;
        }

        var sum = Vector256.Sum(total);
        for (; j < n; j++)
        {
            x[j] = MathF.Exp(x[j] - max);
            sum += x[j];
        }

        var inverse = 1f / sum;
        for (j = 0; j + 8 <= n; j += 8)
        {
            (Vector256.Load(x + j) * inverse).Store(x + j);
        }

        for (; j < n; j++)
        {
            x[j] *= inverse;
        }
    }

    /// <summary>The first index of x's largest element; 0 when x holds NaN (no element then equals the maximum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int ArgMax(float* x, int n) => IndexOf(x, n, Max(x, n));

    /// <summary>
    /// The first index of x's largest element (as <see cref="ArgMax"/>), and log Σ exp(x), which turns any x[i] into
    /// its log-probability.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (int Index, float LogSumExp) ArgMaxAndLogSumExp(float* x, int n)
    {
        var max = Max(x, n);
        var shift = Vector256.Create(max);
        var total = Vector256<float>.Zero;
        var j = 0;
        for (; j + 8 <= n; j += 8)
        {
            total += Vector256.Exp(Vector256.Load(x + j) - shift);
        }

        var sum = Vector256.Sum(total);
        for (; j < n; j++)
        {
            sum += MathF.Exp(x[j] - max);
        }

        return (IndexOf(x, n, max), max + MathF.Log(sum));
    }

    /// <summary>
    /// The first index of <paramref name="value"/> in x, 0 when there is none. Vectorized by hand: span IndexOf
    /// compares floats one by one (float.Equals, which treats NaN as equal to itself).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int IndexOf(float* x, int n, float value)
    {
        var target = Vector256.Create(value);
        var j = 0;
        for (; j + 8 <= n; j += 8)
        {
            var equal = Vector256.Equals(Vector256.Load(x + j), target);
            if (equal != Vector256<float>.Zero)
            {
                return j + BitOperations.TrailingZeroCount(equal.ExtractMostSignificantBits());
            }
        }

        for (; j < n; j++)
        {
            if (x[j] == value)
            {
                return j;
            }
        }

        return 0;
    }

    /// <summary>n elements of a bfloat16 or float32 array as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ToFloat(void* source, bool bfloat16, float* destination, int n)
    {
        if (!bfloat16)
        {
            Buffer.MemoryCopy(source, destination, n * sizeof(float), n * sizeof(float));
            return;
        }

        var s = (ushort*)source;
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var (lower, upper) = Vector256.Widen(Vector256.Load(s + i));
            (lower << 16).AsSingle().Store(destination + i);
            (upper << 16).AsSingle().Store(destination + i + 8);
        }

        for (; i < n; i++)
        {
            destination[i] = FromBFloat16(s[i]);
        }
    }

    /// <summary>n float32 values stored as bfloat16 (round to nearest even, as libtorch casts) or float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FromFloat(float* source, void* destination, bool bfloat16, int n)
    {
        if (!bfloat16)
        {
            Buffer.MemoryCopy(source, destination, n * sizeof(float), n * sizeof(float));
            return;
        }

        var d = (ushort*)destination;
        var i = 0;
        for (; i + 16 <= n; i += 16)
        {
            var lower = RoundedBits(Vector256.Load(source + i)) >> 16;
            var upper = RoundedBits(Vector256.Load(source + i + 8)) >> 16;
            Vector256.Narrow(lower, upper).Store(d + i);
        }

        for (; i < n; i++)
        {
            d[i] = ToBFloat16(source[i]);
        }
    }

    /// <summary>
    /// An 8 x 8 tile of a bfloat16 or float32 matrix, transposed into float32 rows: destination row j (every
    /// <paramref name="destinationStride"/> floats) gets column j of the 8 source rows (every
    /// <paramref name="sourceStride"/> elements), added to what it holds when <paramref name="accumulate"/>, else to
    /// <paramref name="addend"/>'s 8 values (or zero when null). For GEMM products laid out [features, tokens].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void TransposeTile(void* source, bool bfloat16, long sourceStride, float* destination, long destinationStride, float* addend, bool accumulate)
    {
        // Avx is there wherever the decode path runs: CpuDecoder.Supports asks for hardware 256-bit vectors.
        var r0 = Load8(source, bfloat16, 0);
        var r1 = Load8(source, bfloat16, sourceStride);
        var r2 = Load8(source, bfloat16, 2 * sourceStride);
        var r3 = Load8(source, bfloat16, 3 * sourceStride);
        var r4 = Load8(source, bfloat16, 4 * sourceStride);
        var r5 = Load8(source, bfloat16, 5 * sourceStride);
        var r6 = Load8(source, bfloat16, 6 * sourceStride);
        var r7 = Load8(source, bfloat16, 7 * sourceStride);

        // Pairs of rows interleaved, then pairs of pairs, then the 128-bit halves: the classic 8 x 8 float transpose.
        var (t0, t1) = (Avx.UnpackLow(r0, r1), Avx.UnpackHigh(r0, r1));
        var (t2, t3) = (Avx.UnpackLow(r2, r3), Avx.UnpackHigh(r2, r3));
        var (t4, t5) = (Avx.UnpackLow(r4, r5), Avx.UnpackHigh(r4, r5));
        var (t6, t7) = (Avx.UnpackLow(r6, r7), Avx.UnpackHigh(r6, r7));
        var (u0, u1) = (Avx.Shuffle(t0, t2, 0x44), Avx.Shuffle(t0, t2, 0xEE));
        var (u2, u3) = (Avx.Shuffle(t1, t3, 0x44), Avx.Shuffle(t1, t3, 0xEE));
        var (u4, u5) = (Avx.Shuffle(t4, t6, 0x44), Avx.Shuffle(t4, t6, 0xEE));
        var (u6, u7) = (Avx.Shuffle(t5, t7, 0x44), Avx.Shuffle(t5, t7, 0xEE));

        var add = addend is null ? Vector256<float>.Zero : Vector256.Load(addend);
        Store(Avx.Permute2x128(u0, u4, 0x20), 0);
        Store(Avx.Permute2x128(u1, u5, 0x20), 1);
        Store(Avx.Permute2x128(u2, u6, 0x20), 2);
        Store(Avx.Permute2x128(u3, u7, 0x20), 3);
        Store(Avx.Permute2x128(u0, u4, 0x31), 4);
        Store(Avx.Permute2x128(u1, u5, 0x31), 5);
        Store(Avx.Permute2x128(u2, u6, 0x31), 6);
        Store(Avx.Permute2x128(u3, u7, 0x31), 7);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        void Store(Vector256<float> column, int j)
        {
            var at = destination + j * destinationStride;
            (column + (accumulate ? Vector256.Load(at) : add)).Store(at);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load8(void* source, bool bfloat16, long offset) => bfloat16
        ? (Avx2.ConvertToVector256Int32((ushort*)source + offset) << 16).AsSingle()
        : Vector256.Load((float*)source + offset);

    /// <summary>The float32 nearest <paramref name="value"/> that a bfloat16 holds (what casting there and back gives).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float RoundToBFloat16(float value) => FromBFloat16(ToBFloat16(value));

    /// <summary><see cref="RoundToBFloat16(float)"/> of each lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> RoundToBFloat16(Vector256<float> values) => RoundedBits(values).AsSingle();

    /// <summary>
    /// The bits of each value rounded to bfloat16 precision, in the high half: round to nearest even, and a NaN kept a
    /// quiet NaN (as <see cref="ToBFloat16"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<uint> RoundedBits(Vector256<float> values)
    {
        var bits = values.AsUInt32();
        var rounded = (bits + Vector256.Create(0x7FFFu) + ((bits >> 16) & Vector256<uint>.One)) & Vector256.Create(0xFFFF0000u);
        var quiet = bits | Vector256.Create(0x400000u);
        return Vector256.ConditionalSelect(Vector256.Equals(values, values).AsUInt32(), rounded, quiet);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float FromBFloat16(ushort value) => BitConverter.UInt32BitsToSingle((uint)value << 16);

    public static ushort ToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }

        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }
}

/// <summary>
/// How the CPU kernels read one element type of the KV cache; generic code over these is specialized per type. A load
/// of 16 elements gives two float32 vectors in whatever lane order is cheapest for the type, and the float32 operands
/// they meet are arranged to match once per pass, not per load.
/// </summary>
internal unsafe interface IElement
{
    /// <summary>Bytes per element.</summary>
    static abstract int Size { get; }

    /// <summary>16 elements from <paramref name="source"/> as float32, in this type's lane order.</summary>
    static abstract (Vector256<float> First, Vector256<float> Second) Load16(void* source);

    /// <summary>16 float32 values times <paramref name="scale"/>, in the lane order <see cref="Load16"/> gives.</summary>
    static abstract void Arrange16(float* source, float scale, float* destination);

    /// <summary>Two vectors in <see cref="Load16"/>'s lane order back to 16 float32 values in order.</summary>
    static abstract void Unarrange16(Vector256<float> first, Vector256<float> second, float* destination);

    /// <summary>The element at <paramref name="offset"/> elements past <paramref name="start"/>.</summary>
    static abstract void* Offset(void* start, long offset);
}

/// <summary>
/// bfloat16: a 32-bit lane holds elements 2k (low half) and 2k+1 (high half), so a shift and a mask make float32s of
/// the even and the odd elements, half the instructions of widening them in order.
/// </summary>
internal readonly unsafe struct BFloat16Element : IElement
{
    public static int Size => sizeof(ushort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> First, Vector256<float> Second) Load16(void* source)
    {
        var pairs = Vector256.Load((uint*)source);
        return ((pairs << 16).AsSingle(), (pairs & Vector256.Create(0xFFFF0000u)).AsSingle());
    }

    public static void Arrange16(float* source, float scale, float* destination)
    {
        for (var k = 0; k < 8; k++)
        {
            destination[k] = source[2 * k] * scale;
            destination[8 + k] = source[2 * k + 1] * scale;
        }
    }

    public static void Unarrange16(Vector256<float> first, Vector256<float> second, float* destination)
    {
        for (var k = 0; k < 8; k++)
        {
            destination[2 * k] = first.GetElement(k);
            destination[2 * k + 1] = second.GetElement(k);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Offset(void* start, long offset) => (ushort*)start + offset;
}

/// <summary>float32: in order, elements 0-7 then 8-15.</summary>
internal readonly unsafe struct Float32Element : IElement
{
    public static int Size => sizeof(float);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<float> First, Vector256<float> Second) Load16(void* source) =>
        (Vector256.Load((float*)source), Vector256.Load((float*)source + 8));

    public static void Arrange16(float* source, float scale, float* destination)
    {
        (Vector256.Load(source) * scale).Store(destination);
        (Vector256.Load(source + 8) * scale).Store(destination + 8);
    }

    public static void Unarrange16(Vector256<float> first, Vector256<float> second, float* destination)
    {
        first.Store(destination);
        second.Store(destination + 8);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void* Offset(void* start, long offset) => (float*)start + offset;
}
