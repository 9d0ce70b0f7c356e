using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using LlmPlatform.Engine.Model;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// The row-wise operations of libtorch's forward on a CPU, each fused into one pass per row and split over the decode
/// team: RMSNorm, SiLU(gate) · up and the rotary embedding. Through libtorch each is 5-8 calls over the whole step's
/// activations (casts, a power, a mean, a reciprocal square root, products, a concatenation); in a step prefilling
/// 32 chunks of 32 tokens they took ~125 of ~720 ms (norms 59, rotary 37, SiLU · up 31), and fused the step is ~10%
/// shorter (docs/benchmarks.md).
/// <para>
/// Each result is rounded to the dtype where libtorch rounds it: RMSNorm keeps its statistics in float32, rounds the
/// normalized row and then multiplies by the weight (Hugging Face's Llama); SiLU · up and each product of the rotation
/// round before the next operation. The rotation therefore agrees with libtorch bit for bit; RMSNorm and SiLU to the
/// last place, since the sum of squares and exp are computed in another order (tests/RowOpsTests).
/// </para>
/// </summary>
internal sealed unsafe class RowOps(WorkerTeam team)
{
    /// <summary>RMSNorm of every row of <paramref name="x"/> ([rows, width], contiguous, bfloat16 or float32).</summary>
    public Tensor RmsNorm(Tensor x, Tensor weight, double epsilon)
    {
        var input = MatrixView.Of(x);
        var weights = MatrixView.Of(weight).ToPinnedArray();
        var output = empty_like(x);
        var result = MatrixView.Of(output);
        var width = input.Columns;
        var rounded = input.IsBFloat16;
        team.Run(worker =>
        {
            var row = stackalloc float[width];
            fixed (float* w = weights)
            {
                var (first, end) = team.Share(worker, input.Rows);
                for (var r = first; r < end; r++)
                {
                    Kernels.ToFloat(input.At((long)r * width), rounded, row, width);
                    var scale = 1f / MathF.Sqrt(Kernels.SumOfSquares(row, width) / width + (float)epsilon);
                    var i = 0;
                    for (; i + 8 <= width; i += 8)
                    {
                        (Vector256.Load(w + i) * Round(Vector256.Load(row + i) * scale, rounded)).Store(row + i);
                    }

                    for (; i < width; i++)
                    {
                        row[i] = w[i] * Round(row[i] * scale, rounded);
                    }

                    Kernels.FromFloat(row, result.At((long)r * width), rounded, width);
                }
            }
        });
        return output;
    }

    /// <summary>silu(gate) · up, element by element ([rows, width] each).</summary>
    public Tensor SiluMultiply(Tensor gate, Tensor up)
    {
        var (g, u) = (MatrixView.Of(gate), MatrixView.Of(up));
        var output = empty_like(gate);
        var result = MatrixView.Of(output);
        var width = g.Columns;
        var rounded = g.IsBFloat16;
        team.Run(worker =>
        {
            var gates = stackalloc float[width];
            var ups = stackalloc float[width];
            var (first, end) = team.Share(worker, g.Rows);
            for (var r = first; r < end; r++)
            {
                Kernels.ToFloat(g.At((long)r * width), rounded, gates, width);
                Kernels.ToFloat(u.At((long)r * width), rounded, ups, width);
                var i = 0;
                for (; i + 8 <= width; i += 8)
                {
                    var x = Vector256.Load(gates + i);
                    (Round(x / (Vector256<float>.One + Vector256.Exp(-x)), rounded) * Vector256.Load(ups + i)).Store(gates + i);
                }

                for (; i < width; i++)
                {
                    gates[i] = Round(gates[i] / (1f + MathF.Exp(-gates[i])), rounded) * ups[i];
                }

                Kernels.FromFloat(gates, result.At((long)r * width), rounded, width);
            }
        });
        return output;
    }

    /// <summary>
    /// The rotary embedding of <paramref name="x"/> ([tokens, heads, head_dim], "rotate half" layout) at each token's
    /// angles ([tokens, 1, head_dim] each): x · cos + rotate_half(x) · sin.
    /// </summary>
    public Tensor Rotate(Tensor x, RotaryAngles angles)
    {
        var input = MatrixView.Of(x);
        var (cos, sin) = (MatrixView.Of(angles.Cos), MatrixView.Of(angles.Sin));
        var output = empty_like(x);
        var result = MatrixView.Of(output);
        var heads = (int)x.shape[1];
        var dim = (int)x.shape[2];
        var half = dim / 2;
        var rounded = input.IsBFloat16;
        team.Run(worker =>
        {
            var head = stackalloc float[dim];
            var c = stackalloc float[dim];
            var s = stackalloc float[dim];
            var (first, end) = team.Share(worker, input.Rows * heads);
            var token = -1;
            for (var item = first; item < end; item++)
            {
                if (item / heads != token)
                {
                    token = item / heads;
                    Kernels.ToFloat(cos.At((long)token * dim), rounded, c, dim);
                    Kernels.ToFloat(sin.At((long)token * dim), rounded, s, dim);
                }

                var offset = (long)item * dim;
                Kernels.ToFloat(input.At(offset), rounded, head, dim);
                // head_dim is a multiple of 16 wherever this decoder runs (CpuDecoder.Supports), so half is of 8.
                for (var i = 0; i < half; i += 8)
                {
                    var (x1, x2) = (Vector256.Load(head + i), Vector256.Load(head + i + half));
                    Round(Round(x1 * Vector256.Load(c + i), rounded) + Round(-x2 * Vector256.Load(s + i), rounded), rounded).Store(head + i);
                    Round(Round(x2 * Vector256.Load(c + i + half), rounded) + Round(x1 * Vector256.Load(s + i + half), rounded), rounded).Store(head + i + half);
                }

                Kernels.FromFloat(head, result.At(offset), rounded, dim);
            }
        });
        return output;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Round(float value, bool toBFloat16) => toBFloat16 ? Kernels.RoundToBFloat16(value) : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Round(Vector256<float> values, bool toBFloat16) => toBFloat16 ? Kernels.RoundToBFloat16(values) : values;
}
