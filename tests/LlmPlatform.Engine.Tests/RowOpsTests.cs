using LlmPlatform.Engine.Cpu;
using LlmPlatform.Engine.Model;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// The fused row-wise operations of the CPU forward (RowOps) against the libtorch calls they replace, in float32 and
/// bfloat16, on widths with a tail past the vector loops.
/// </summary>
public sealed class RowOpsTests : IDisposable
{
    private readonly WorkerTeam team = new(2);

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void RmsNorm_matches_the_libtorch_norm(ScalarType dtype)
    {
        manual_seed(1);
        using var x = (randn(37, 100) * 3).to(dtype);
        using var weight = (rand(100) + 0.5).to(dtype);

        using var expected = RmsNorm.Apply(x, weight, 1e-5);
        using var actual = new RowOps(team).RmsNorm(x, weight, 1e-5);

        AssertWithinRounding(expected, actual, dtype);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Silu_times_up_matches_libtorch(ScalarType dtype)
    {
        manual_seed(2);
        using var gate = (randn(21, 100) * 4).to(dtype);
        using var up = randn(21, 100).to(dtype);

        using var expected = silu(gate) * up;
        using var actual = new RowOps(team).SiluMultiply(gate, up);

        AssertWithinRounding(expected, actual, dtype);
    }

    /// <summary>The rotation rounds exactly where libtorch's does, so it agrees bit for bit in both dtypes.</summary>
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Rotary_embedding_matches_libtorch_bit_for_bit(ScalarType dtype)
    {
        manual_seed(3);
        using var rope = new RotaryEmbedding(new RopeSpec(10000, "default", 1, 1, 1, 0), headDim: 32, maxPositions: 512, dtype, CPU);
        using var x = randn(9, 3, 32).to(dtype);
        using var positions = tensor(new long[] { 0, 1, 2, 7, 100, 101, 300, 511, 5 });
        var angles = rope.At(positions);

        using var expected = RotaryEmbedding.Apply(x, angles);
        using var actual = new RowOps(team).Rotate(x, angles);

        Assert.Equal(expected.bytes.ToArray(), actual.bytes.ToArray());
    }

    /// <summary>
    /// Float32 within 2e-6 relative; bfloat16 within one unit in the last place, since the two sum the squares (and
    /// approximate exp) in a different order and a value near a rounding boundary may land on either side of it.
    /// </summary>
    private static void AssertWithinRounding(Tensor expected, Tensor actual, ScalarType dtype)
    {
        Assert.Equal(dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        var (e, a) = (expected.to(ScalarType.Float32).data<float>().ToArray(), actual.to(ScalarType.Float32).data<float>().ToArray());
        var relative = dtype == ScalarType.BFloat16 ? 1.0 / 128 : 2e-6;
        for (var i = 0; i < e.Length; i++)
        {
            Assert.True(Math.Abs(e[i] - a[i]) <= relative * Math.Abs(e[i]) + 1e-30, $"element {i}: libtorch {e[i]}, fused {a[i]}");
        }
    }

    public void Dispose() => team.Dispose();
}
