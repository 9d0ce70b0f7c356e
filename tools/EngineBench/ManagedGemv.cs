using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LlmPlatform.EngineBench;

/// <summary>
/// A reference point for batch-1 decode, not engine code: the layer projections as hand-written matrix-vector
/// products in C# (Vector512, bf16 widened to f32 by a 16-bit shift, fused multiply-add; rows split over the cores by
/// Parallel.For, or one thread),
/// over the same shapes and bytes as the model's. It shows how close to the memory bandwidth a GEMV can stream the
/// weights on this machine, against libtorch's linear on the same shapes. Checked against libtorch on one matrix.
/// </summary>
internal sealed class ManagedGemv
{
    private readonly List<(ushort[] Weights, int Rows, int Columns)> bf16 = [];
    private readonly List<(float[] Weights, int Rows, int Columns)> f32 = [];

    public ManagedGemv(IEnumerable<(int Rows, int Columns)> shapes, ScalarType dtype, int seed)
    {
        var random = new Random(seed);
        foreach (var (rows, columns) in shapes)
        {
            var values = new float[rows * columns];
            foreach (ref var value in values.AsSpan())
            {
                value = (float)(random.NextDouble() - 0.5) * 0.04f;
            }

            if (dtype == ScalarType.BFloat16)
            {
                bf16.Add((values.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray(), rows, columns));
            }
            else
            {
                f32.Add((values, rows, columns));
            }
        }
    }

    public long Bytes => bf16.Sum(m => (long)m.Weights.Length * 2) + f32.Sum(m => (long)m.Weights.Length * 4);

    /// <summary>Median milliseconds of one pass over every matrix, each matrix's rows split over <paramref name="threads"/>.</summary>
    public double MedianMs(int iterations, int threads)
    {
        var width = bf16.Select(m => m.Columns).Concat(f32.Select(m => m.Columns)).Max();
        var height = bf16.Select(m => m.Rows).Concat(f32.Select(m => m.Rows)).Max();
        var x = Enumerable.Range(0, width).Select(i => (float)Math.Sin(i)).ToArray();
        var y = new float[height];
        var times = new double[iterations];
        for (var i = -2; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            foreach (var (weights, rows, columns) in bf16)
            {
                Multiply(rows, threads, (first, count) => Bf16Rows(weights, columns, x, y, first, count));
            }

            foreach (var (weights, rows, columns) in f32)
            {
                Multiply(rows, threads, (first, count) => F32Rows(weights, columns, x, y, first, count));
            }

            if (i >= 0)
            {
                times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
        }

        return Summary.Of(times).Median;
    }

    /// <summary>Largest relative difference from libtorch's linear on the first matrix (a check, not a timing).</summary>
    public double MaxRelativeErrorAgainstLibtorch()
    {
        using var scope = NewDisposeScope();
        Tensor weight;
        int rows, columns;
        if (bf16.Count > 0)
        {
            (var data, rows, columns) = bf16[0];
            weight = empty([rows, columns], ScalarType.BFloat16);
            MemoryMarshal.AsBytes(data.AsSpan()).CopyTo(weight.bytes);
            weight = weight.to(ScalarType.Float32);
        }
        else
        {
            (var data, rows, columns) = f32[0];
            weight = tensor(data).view(rows, columns);
        }

        var x = Enumerable.Range(0, columns).Select(i => (float)Math.Sin(i)).ToArray();
        var expected = linear(tensor(x).unsqueeze(0), weight).squeeze(0).data<float>().ToArray();
        var actual = new float[rows];
        if (bf16.Count > 0)
        {
            Bf16Rows(bf16[0].Weights, columns, x, actual, 0, rows);
        }
        else
        {
            F32Rows(f32[0].Weights, columns, x, actual, 0, rows);
        }

        var scale = expected.Max(Math.Abs);
        return expected.Zip(actual, (e, a) => Math.Abs(e - a) / scale).Max();
    }

    private static void Multiply(int rows, int parts, Action<int, int> body)
    {
        if (parts == 1)
        {
            body(0, rows);
            return;
        }

        var share = (rows + parts - 1) / parts;
        Parallel.For(0, parts, part =>
        {
            var first = part * share;
            body(first, Math.Min(share, rows - first));
        });
    }

    private static void Bf16Rows(ushort[] weights, int columns, float[] x, float[] y, int first, int count)
    {
        var input = x.AsSpan(0, columns);
        for (var r = first; r < first + count; r++)
        {
            var row = weights.AsSpan(r * columns, columns);
            Vector512<float> even = default, odd = default;
            var c = 0;
            for (; c + 32 <= columns; c += 32)
            {
                var (lower, upper) = Vector512.Widen(Vector512.Create<ushort>(row.Slice(c, 32)));
                even = Vector512.FusedMultiplyAdd((lower << 16).AsSingle(), Vector512.Create<float>(input.Slice(c, 16)), even);
                odd = Vector512.FusedMultiplyAdd((upper << 16).AsSingle(), Vector512.Create<float>(input.Slice(c + 16, 16)), odd);
            }

            var sum = Vector512.Sum(even + odd);
            for (; c < columns; c++)
            {
                sum += BitConverter.UInt32BitsToSingle((uint)row[c] << 16) * input[c];
            }

            y[r] = sum;
        }
    }

    private static void F32Rows(float[] weights, int columns, float[] x, float[] y, int first, int count)
    {
        var input = x.AsSpan(0, columns);
        for (var r = first; r < first + count; r++)
        {
            var row = weights.AsSpan(r * columns, columns);
            Vector512<float> even = default, odd = default;
            var c = 0;
            for (; c + 32 <= columns; c += 32)
            {
                even = Vector512.FusedMultiplyAdd(Vector512.Create<float>(row.Slice(c, 16)), Vector512.Create<float>(input.Slice(c, 16)), even);
                odd = Vector512.FusedMultiplyAdd(Vector512.Create<float>(row.Slice(c + 16, 16)), Vector512.Create<float>(input.Slice(c + 16, 16)), odd);
            }

            var sum = Vector512.Sum(even + odd);
            for (; c < columns; c++)
            {
                sum += row[c] * input[c];
            }

            y[r] = sum;
        }
    }
}
