using LlmPlatform.Torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// Alone, after the other tests: one test changes libtorch's process-wide thread count, which a CPU decoder built
/// meanwhile would take as its team size.
/// </summary>
[CollectionDefinition(nameof(TorchRuntimeTests), DisableParallelization = true)]
[Collection(nameof(TorchRuntimeTests))]
public sealed class TorchRuntimeTests
{
    [Theory]
    [InlineData("cpu")]
    [InlineData("CPU")]
    public void Cpu_is_always_available(string requested)
    {
        var info = TorchRuntime.Initialize(requested);

        Assert.Equal("cpu", info.Device);
        Assert.True(info.Threads >= 1);
    }

    [Fact]
    public void Auto_picks_cuda_only_when_libtorch_sees_a_gpu()
    {
        var info = TorchRuntime.Initialize("auto");

        Assert.Equal(info.CudaAvailable ? "cuda:0" : "cpu", info.Device);
    }

    [Fact]
    public void Asking_for_a_cuda_device_that_is_not_there_fails_with_the_reason()
    {
        var info = TorchRuntime.Initialize("cpu");
        var missing = $"cuda:{info.CudaDeviceCount}";

        var error = Assert.Throws<InvalidOperationException>(() => TorchRuntime.Initialize(missing));
        Assert.Contains(missing, error.Message);
        Assert.Contains("TorchSharpBackend=cuda", error.Message);
    }

    [Fact]
    public void A_thread_count_sets_libtorchs_and_a_negative_one_is_rejected()
    {
        var before = TorchSharp.torch.get_num_threads();
        var other = before == 1 ? 2 : 1;
        try
        {
            Assert.Equal(other, TorchRuntime.Initialize("cpu", other).Threads);
            Assert.Equal(other, TorchRuntime.Initialize("cpu").Threads);
        }
        finally
        {
            TorchSharp.torch.set_num_threads(before);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => TorchRuntime.Initialize("cpu", -1));
    }

    [Fact]
    public void An_unknown_device_name_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => TorchRuntime.Initialize("tpu"));
        Assert.Contains("'tpu'", error.Message);
    }
}
