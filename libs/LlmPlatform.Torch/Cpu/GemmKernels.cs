using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LlmPlatform.Torch.Cpu;

/// <summary>Which microkernel a <see cref="PackedLinear"/> runs: the widest the CPU has, or a narrower one chosen for tests.</summary>
internal enum GemmKernel
{
    Scalar,
    Vector256,
    Vector512,
}

/// <summary>
/// Microkernels of <see cref="PackedLinear"/>: one <see cref="Rows"/> x <see cref="Columns"/> tile of C over a depth of
/// kc, C[i, j] = init[i, j] + sum_k A[i][k] * B[k, j]. A is read in place, one pointer per row (the caller points rows
/// past M at a real row, so no kernel reads outside the input); B is one packed panel, K-major, <see cref="Columns"/>
/// floats per k, 64-byte aligned. init is the bias row when <c>bias</c> is given (the first depth block), otherwise the
/// tile's own values (later depth blocks accumulate). Every kernel computes the whole tile; partial tiles go through a
/// scratch tile in the caller.
/// </summary>
internal static unsafe class GemmKernels
{
    /// <summary>Rows of A per tile: 8 rows x 3 vectors are 24 of the 32 zmm registers as accumulators.</summary>
    public const int Rows = 8;

    /// <summary>Columns per packed panel: three 16-float vectors; 384, 1152 and 1536 (BERT-base/MiniLM) are multiples.</summary>
    public const int Columns = 48;

    public static GemmKernel Best =>
        Avx512F.IsSupported ? GemmKernel.Vector512
        : Fma.IsSupported && Avx.IsSupported ? GemmKernel.Vector256
        : GemmKernel.Scalar;

    public static bool IsSupported(GemmKernel kernel) => kernel switch
    {
        GemmKernel.Vector512 => Avx512F.IsSupported,
        GemmKernel.Vector256 => Fma.IsSupported && Avx.IsSupported,
        _ => true,
    };

    /// <summary>
    /// 24 accumulators, three packed B vectors and one broadcast per row of A per k (the JIT emits vbroadcastss from
    /// memory, a load-port operation): 11 loads for 24 FMAs, so the two FMA pipes of a Zen 4/5 or Intel AVX-512 core,
    /// not the loads, set the pace. 24 + 3 + 1 of the 32 zmm registers: nothing spills.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile512(float** rows, float* b, int kc, float* c, nint ldc, float* bias)
    {
        float* a0 = rows[0], a1 = rows[1], a2 = rows[2], a3 = rows[3], a4 = rows[4], a5 = rows[5], a6 = rows[6], a7 = rows[7];
        Vector512<float> c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;
        Vector512<float> c40, c41, c42, c50, c51, c52, c60, c61, c62, c70, c71, c72;
        if (bias != null)
        {
            var b0 = Vector512.Load(bias);
            var b1 = Vector512.Load(bias + 16);
            var b2 = Vector512.Load(bias + 32);
            c00 = c10 = c20 = c30 = c40 = c50 = c60 = c70 = b0;
            c01 = c11 = c21 = c31 = c41 = c51 = c61 = c71 = b1;
            c02 = c12 = c22 = c32 = c42 = c52 = c62 = c72 = b2;
        }
        else
        {
            var r = c;
            c00 = Vector512.Load(r); c01 = Vector512.Load(r + 16); c02 = Vector512.Load(r + 32); r += ldc;
            c10 = Vector512.Load(r); c11 = Vector512.Load(r + 16); c12 = Vector512.Load(r + 32); r += ldc;
            c20 = Vector512.Load(r); c21 = Vector512.Load(r + 16); c22 = Vector512.Load(r + 32); r += ldc;
            c30 = Vector512.Load(r); c31 = Vector512.Load(r + 16); c32 = Vector512.Load(r + 32); r += ldc;
            c40 = Vector512.Load(r); c41 = Vector512.Load(r + 16); c42 = Vector512.Load(r + 32); r += ldc;
            c50 = Vector512.Load(r); c51 = Vector512.Load(r + 16); c52 = Vector512.Load(r + 32); r += ldc;
            c60 = Vector512.Load(r); c61 = Vector512.Load(r + 16); c62 = Vector512.Load(r + 32); r += ldc;
            c70 = Vector512.Load(r); c71 = Vector512.Load(r + 16); c72 = Vector512.Load(r + 32);
        }

        for (nint k = 0; k < kc; k++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var b2 = Avx512F.LoadAlignedVector512(b + 32);
            b += Columns;
            var x = Vector512.Create(a0[k]);
            c00 = Avx512F.FusedMultiplyAdd(x, b0, c00); c01 = Avx512F.FusedMultiplyAdd(x, b1, c01); c02 = Avx512F.FusedMultiplyAdd(x, b2, c02);
            x = Vector512.Create(a1[k]);
            c10 = Avx512F.FusedMultiplyAdd(x, b0, c10); c11 = Avx512F.FusedMultiplyAdd(x, b1, c11); c12 = Avx512F.FusedMultiplyAdd(x, b2, c12);
            x = Vector512.Create(a2[k]);
            c20 = Avx512F.FusedMultiplyAdd(x, b0, c20); c21 = Avx512F.FusedMultiplyAdd(x, b1, c21); c22 = Avx512F.FusedMultiplyAdd(x, b2, c22);
            x = Vector512.Create(a3[k]);
            c30 = Avx512F.FusedMultiplyAdd(x, b0, c30); c31 = Avx512F.FusedMultiplyAdd(x, b1, c31); c32 = Avx512F.FusedMultiplyAdd(x, b2, c32);
            x = Vector512.Create(a4[k]);
            c40 = Avx512F.FusedMultiplyAdd(x, b0, c40); c41 = Avx512F.FusedMultiplyAdd(x, b1, c41); c42 = Avx512F.FusedMultiplyAdd(x, b2, c42);
            x = Vector512.Create(a5[k]);
            c50 = Avx512F.FusedMultiplyAdd(x, b0, c50); c51 = Avx512F.FusedMultiplyAdd(x, b1, c51); c52 = Avx512F.FusedMultiplyAdd(x, b2, c52);
            x = Vector512.Create(a6[k]);
            c60 = Avx512F.FusedMultiplyAdd(x, b0, c60); c61 = Avx512F.FusedMultiplyAdd(x, b1, c61); c62 = Avx512F.FusedMultiplyAdd(x, b2, c62);
            x = Vector512.Create(a7[k]);
            c70 = Avx512F.FusedMultiplyAdd(x, b0, c70); c71 = Avx512F.FusedMultiplyAdd(x, b1, c71); c72 = Avx512F.FusedMultiplyAdd(x, b2, c72);
        }

        var w = c;
        c00.Store(w); c01.Store(w + 16); c02.Store(w + 32); w += ldc;
        c10.Store(w); c11.Store(w + 16); c12.Store(w + 32); w += ldc;
        c20.Store(w); c21.Store(w + 16); c22.Store(w + 32); w += ldc;
        c30.Store(w); c31.Store(w + 16); c32.Store(w + 32); w += ldc;
        c40.Store(w); c41.Store(w + 16); c42.Store(w + 32); w += ldc;
        c50.Store(w); c51.Store(w + 16); c52.Store(w + 32); w += ldc;
        c60.Store(w); c61.Store(w + 16); c62.Store(w + 32); w += ldc;
        c70.Store(w); c71.Store(w + 16); c72.Store(w + 32);
    }

    /// <summary>
    /// The AVX2 tile: six 4-row x 16-column strips, 8 accumulators each, so it fits the 16 ymm registers of a CPU
    /// without AVX-512 (no spills), at the cost of loading each A element three times.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile256(float** rows, float* b, int kc, float* c, nint ldc, float* bias)
    {
        for (var half = 0; half < Rows; half += 4)
        {
            for (var strip = 0; strip < Columns; strip += 16)
            {
                Strip256(rows + half, b + strip, kc, c + half * ldc + strip, ldc, bias == null ? null : bias + strip);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strip256(float** rows, float* b, int kc, float* c, nint ldc, float* bias)
    {
        float* a0 = rows[0], a1 = rows[1], a2 = rows[2], a3 = rows[3];
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31;
        if (bias != null)
        {
            var b0 = Vector256.Load(bias);
            var b1 = Vector256.Load(bias + 8);
            c00 = c10 = c20 = c30 = b0;
            c01 = c11 = c21 = c31 = b1;
        }
        else
        {
            c00 = Vector256.Load(c); c01 = Vector256.Load(c + 8);
            c10 = Vector256.Load(c + ldc); c11 = Vector256.Load(c + ldc + 8);
            c20 = Vector256.Load(c + 2 * ldc); c21 = Vector256.Load(c + 2 * ldc + 8);
            c30 = Vector256.Load(c + 3 * ldc); c31 = Vector256.Load(c + 3 * ldc + 8);
        }

        for (nint k = 0; k < kc; k++)
        {
            var b0 = Avx.LoadAlignedVector256(b);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            b += Columns;
            var x = Vector256.Create(a0[k]);
            c00 = Fma.MultiplyAdd(x, b0, c00); c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Vector256.Create(a1[k]);
            c10 = Fma.MultiplyAdd(x, b0, c10); c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Vector256.Create(a2[k]);
            c20 = Fma.MultiplyAdd(x, b0, c20); c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Vector256.Create(a3[k]);
            c30 = Fma.MultiplyAdd(x, b0, c30); c31 = Fma.MultiplyAdd(x, b1, c31);
        }

        c00.Store(c); c01.Store(c + 8);
        c10.Store(c + ldc); c11.Store(c + ldc + 8);
        c20.Store(c + 2 * ldc); c21.Store(c + 2 * ldc + 8);
        c30.Store(c + 3 * ldc); c31.Store(c + 3 * ldc + 8);
    }

    /// <summary>The reference tile: plain loops, for CPUs without AVX2/FMA (and as the oracle the others are tested against).</summary>
    public static void TileScalar(float** rows, float* b, int kc, float* c, nint ldc, float* bias)
    {
        for (var i = 0; i < Rows; i++)
        {
            var a = rows[i];
            var row = c + i * ldc;
            for (var j = 0; j < Columns; j++)
            {
                var sum = bias != null ? bias[j] : row[j];
                for (var k = 0; k < kc; k++)
                {
                    sum = MathF.FusedMultiplyAdd(a[k], b[k * Columns + j], sum);
                }

                row[j] = sum;
            }
        }
    }
}
