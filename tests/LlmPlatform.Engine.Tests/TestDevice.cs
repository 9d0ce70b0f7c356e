using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// The device the engine's device-independent tests compute on: the CPU, unless LLMPLATFORM_TEST_DEVICE names another
/// ("cuda" on a GPU host, with the tests built with -p:TorchSharpBackend=cuda; docs/operations.md). Tests of the CPU
/// kernels and of CPU-only rules stay on the CPU.
/// </summary>
public static class TestDevice
{
    public static readonly Device Compute = device(Environment.GetEnvironmentVariable("LLMPLATFORM_TEST_DEVICE") is { Length: > 0 } name ? name : "cpu");
}
