using LlmPlatform.Engine.Cpu;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// The per-thread OpenMP count the GEMM step relies on: each worker calls libtorch's GEMM single-threaded, while the
/// rest of the process keeps libtorch's thread count.
/// </summary>
public sealed class OpenMpThreadsTests
{
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
}
