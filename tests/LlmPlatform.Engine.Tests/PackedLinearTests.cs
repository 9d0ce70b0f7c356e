using LlmPlatform.Torch.Cpu;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// PackedLinear against libtorch's float32 linear: tails of every dimension (M and N cut a tile, K of any length),
/// the BERT shapes it exists for, every kernel (the AVX-512 one, the AVX2 fallback, the scalar one), with and without
/// bias. Inputs, weights and biases are positive, so every output is a sum of positive terms and an element-wise
/// relative tolerance means something; libtorch and PackedLinear add in different orders, so they agree to rounding,
/// not bitwise.
/// </summary>
public sealed class PackedLinearTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    /// <summary>Kernels by name: the enum is internal to LlmPlatform.Torch, and xunit needs public theory parameters.</summary>
    public static TheoryData<string, int, int, int, bool> Cases()
    {
        var cases = new TheoryData<string, int, int, int, bool>();
        foreach (var kernel in Enum.GetNames<GemmKernel>())
        {
            foreach (var (m, k, n) in new[] { (1, 3, 5), (7, 385, 31), (33, 64, 1153), (8, 384, 48), (33, 3, 97) })
            {
                cases.Add(kernel, m, k, n, true);
                cases.Add(kernel, m, k, n, false);
            }

            // The BERT shapes (QKV, attention output, intermediate, output at all-MiniLM-L6-v2's width), 256 tokens.
            foreach (var (k, n) in new[] { (384, 1152), (384, 384), (384, 1536), (1536, 384) })
            {
                cases.Add(kernel, 256, k, n, true);
            }

            cases.Add(kernel, 256, 1536, 384, false);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Output_equals_torch_linear(string kernelName, int m, int k, int n, bool withBias)
    {
        using var scope = NewDisposeScope();
        var (weight, bias, input) = Operands(m, k, n, withBias, seed: m * 7919 + k * 31 + n);
        using var linear = new PackedLinear(weight, bias, threads: 2);
        var kernel = Enum.Parse<GemmKernel>(kernelName);
        if (!GemmKernels.IsSupported(kernel))
        {
            Assert.Throws<PlatformNotSupportedException>(() => linear.Kernel = kernel);
            return;
        }

        linear.Kernel = kernel;
        var actual = linear.Forward(input);

        var expected = nn.functional.linear(input, weight, bias);
        var exact = nn.functional.linear(input.to(ScalarType.Float64), weight.to(ScalarType.Float64), bias?.to(ScalarType.Float64));
        var versusTorch = MaxRelativeError(actual, expected);
        output.WriteLine($"{kernel} M={m} K={k} N={n} bias={withBias}: max relative error vs torch {versusTorch:E2}, vs float64 {MaxRelativeError(actual, exact):E2} (torch vs float64 {MaxRelativeError(expected, exact):E2})");
        Assert.Equal([m, n], actual.shape);
        Assert.True(versusTorch <= Tolerance, $"max relative error {versusTorch:E2}");
    }

    [Fact]
    public void Leading_dimensions_are_kept_and_the_output_can_be_given()
    {
        using var scope = NewDisposeScope();
        var (weight, bias, input) = Operands(2 * 9, 40, 50, withBias: true, seed: 5);
        using var linear = new PackedLinear(weight, bias);
        var batched = input.view(2, 9, 40);

        var allocated = linear.Forward(batched);
        var given = full(2, 9, 50, float.NaN);
        linear.Forward(batched, given);

        Assert.Equal([2, 9, 50], allocated.shape);
        Assert.True(MaxRelativeError(allocated, nn.functional.linear(batched, weight, bias)) <= Tolerance);
        Assert.True(Identical(allocated, given));
    }

    [Fact]
    public void A_non_contiguous_input_is_copied_by_the_allocating_overload_and_refused_by_the_other()
    {
        using var scope = NewDisposeScope();
        var (weight, bias, input) = Operands(40, 24, 10, withBias: true, seed: 6);
        using var linear = new PackedLinear(weight, bias);
        var transposed = input.view(24, 40).t();

        Assert.True(MaxRelativeError(linear.Forward(transposed), nn.functional.linear(transposed, weight, bias)) <= Tolerance);
        Assert.Throws<ArgumentException>(() => linear.Forward(transposed, empty(40, 10)));
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        using var scope = NewDisposeScope();
        var (weight, bias, input) = Operands(300, 1536, 384, withBias: true, seed: 7);
        using var single = new PackedLinear(weight, bias, threads: 1);
        using var pair = new PackedLinear(weight, bias, threads: 2);
        using var four = new PackedLinear(weight, bias, threads: 4);

        var reference = single.Forward(input);

        Assert.True(Identical(reference, pair.Forward(input)));
        Assert.True(Identical(reference, four.Forward(input)));
    }

    [Fact]
    public void Concurrent_callers_each_get_their_own_result()
    {
        using var scope = NewDisposeScope();
        var (weight, bias, _) = Operands(1, 384, 1152, withBias: true, seed: 8);
        using var linear = new PackedLinear(weight, bias, threads: 2);
        var inputs = Enumerable.Range(0, 4).Select(i => rand(64 + i, 384, generator: new Generator((ulong)i + 100))).ToArray();
        var expected = inputs.Select(x => linear.Forward(x)).ToArray();
        var outputs = inputs.Select(x => empty(x.shape[0], 1152)).ToArray();

        Parallel.For(0, inputs.Length * 25, new ParallelOptions { MaxDegreeOfParallelism = 4 }, call =>
        {
            var i = call % inputs.Length;
            linear.Forward(inputs[i], outputs[i]);
        });

        for (var i = 0; i < inputs.Length; i++)
        {
            Assert.True(Identical(expected[i], outputs[i]));
        }
    }

    [Fact]
    public void Operands_of_the_wrong_shape_or_type_are_refused()
    {
        using var scope = NewDisposeScope();
        var (weight, bias, input) = Operands(4, 16, 8, withBias: true, seed: 9);
        using var linear = new PackedLinear(weight, bias);

        Assert.Throws<ArgumentException>(() => linear.Forward(rand(4, 15)));
        Assert.Throws<ArgumentException>(() => linear.Forward(input.to(ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => linear.Forward(input, empty(4, 7)));
        Assert.Throws<ArgumentException>(() => linear.Forward(input, empty(5, 8)));
        Assert.Throws<ArgumentException>(() => new PackedLinear(weight, rand(7)));
        Assert.Throws<ArgumentException>(() => new PackedLinear(rand(8)));
    }

    [Fact]
    public void A_weight_of_another_dtype_is_packed_as_float32()
    {
        using var scope = NewDisposeScope();
        var (weight, bias, input) = Operands(12, 20, 30, withBias: true, seed: 10);
        var bf16 = weight.to(ScalarType.BFloat16);
        using var linear = new PackedLinear(bf16, bias);

        var expected = nn.functional.linear(input, bf16.to(ScalarType.Float32), bias);

        Assert.True(MaxRelativeError(linear.Forward(input), expected) <= Tolerance);
    }

    private static (Tensor Weight, Tensor? Bias, Tensor Input) Operands(int m, int k, int n, bool withBias, int seed)
    {
        var generator = new Generator((ulong)seed);
        // Positive and away from zero: sums without cancellation, so relative error is well defined element by element.
        Tensor Positive(params long[] shape) => rand(shape, generator: generator).mul_(0.5).add_(0.5);
        return (Positive(n, k), withBias ? Positive(n) : null, Positive(m, k));
    }

    private static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static double MaxRelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        var reference = expected.to(ScalarType.Float64);
        return (actual.to(ScalarType.Float64) - reference).abs().div(reference.abs()).max().item<double>();
    }
}
