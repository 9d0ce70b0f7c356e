using LlmPlatform.Engine.Cpu;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// The projections split over the decode team (TeamProjections) against libtorch's linear, which they replace in the
/// CPU forward, with and without bias, for weights whose rows do not divide evenly: equal bit for bit in bfloat16 (the
/// engine's CPU dtype); in float32 libtorch picks another kernel for a part of a weight, so only to float32 rounding.
/// </summary>
public sealed class TeamProjectionsTests : IDisposable
{
    private readonly WorkerTeam team = new(2);

    [Theory]
    [InlineData(ScalarType.BFloat16, 1)]
    [InlineData(ScalarType.BFloat16, 33)]
    [InlineData(ScalarType.Float32, 7)]
    public void Several_weights_of_one_input_equal_libtorch_linear(ScalarType dtype, int rows)
    {
        manual_seed(rows);
        using var scope = NewDisposeScope();
        var x = randn(rows, 96).to(dtype);
        // Three weights of 200 + 72 + 40 rows: the team's shares cut through the first.
        Tensor[] weights = [randn(200, 96).to(dtype), randn(72, 96).to(dtype), randn(40, 96).to(dtype)];
        Tensor?[] biases = [randn(200).to(dtype), null, randn(40).to(dtype)];

        var outputs = new TeamProjections(team).Apply(x, weights, biases);

        for (var i = 0; i < weights.Length; i++)
        {
            var expected = linear(x, weights[i], biases[i]);
            var equal = dtype == ScalarType.BFloat16 ? outputs[i].equal(expected).all() : outputs[i].allclose(expected, rtol: 1e-6, atol: 1e-5);
            Assert.True(equal.item<bool>(), $"weight {i}: largest difference {(outputs[i] - expected).abs().max().to(ScalarType.Float32).item<float>()}");
        }
    }

    [Fact]
    public void A_thread_is_single_threaded_in_libtorch_inside_the_scope_only()
    {
        Assert.True(OpenMpThreads.Available);
        var before = get_num_threads();

        using (OpenMpThreads.SingleThreaded())
        {
            Assert.Equal(1, get_num_threads());
        }

        Assert.Equal(before, get_num_threads());
    }

    public void Dispose() => team.Dispose();
}
