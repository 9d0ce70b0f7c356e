using System.Diagnostics;
using LlmPlatform.Torch;
using TorchSharp;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// libLibTorchSharp in this test's own output was patched by the build (GLIBCXX_3.4.32 made weak); these tests run
/// real libtorch kernels in the test process, which is what fails on Debian 12 without the fix.
/// </summary>
public sealed class NativeLoadingTests
{
    [Fact]
    public void A_matrix_product_runs_in_libtorch_and_matches_the_hand_computed_result()
    {
        using var a = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        using var b = torch.tensor(new float[] { 7, 8, 9, 10, 11, 12 }, [3, 2]);

        using var product = torch.matmul(a, b);

        Assert.Equal(new float[] { 58, 64, 139, 154 }, product.data<float>().ToArray());
    }

    [Fact]
    public void Bfloat16_round_trips_through_libtorch()
    {
        using var values = torch.tensor(new float[] { 1f, -0.5f, 3.140625f }).to(torch.bfloat16);

        Assert.Equal(new float[] { 1f, -0.5f, 3.140625f }, values.to(torch.float32).data<float>().ToArray());
    }

    [Fact]
    public void The_patched_library_in_the_output_declares_the_glibcxx_requirement_weak()
    {
        var library = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");

        Assert.True(File.Exists(library), $"{library} is missing from the test output.");

        // binutils' readelf as an independent reader of the version-needs section.
        var readelf = Process.Start(new ProcessStartInfo("readelf", ["-V", "--wide", library]) { RedirectStandardOutput = true })!;
        var output = readelf.StandardOutput.ReadToEnd();
        readelf.WaitForExit();

        Assert.Matches(@"Name: GLIBCXX_3\.4\.32\s+Flags: WEAK", output);
    }
}
