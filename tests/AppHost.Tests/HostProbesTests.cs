using System.Diagnostics;
using LlmPlatform.AppHost.Redis;

namespace LlmPlatform.AppHost.Tests;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class HostProbesTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("llmplatform-probe-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Theory]
    [InlineData("exit 0", true)]
    [InlineData("echo 'Cannot connect to the Docker daemon' >&2; exit 1", false)]
    [InlineData("sleep 30", false)]
    public void A_runtime_is_healthy_only_when_its_info_command_succeeds_in_time(string script, bool expected)
    {
        var runtime = WriteExecutable("fake-runtime", script);
        var clock = Stopwatch.StartNew();

        var healthy = HostProbes.ContainerRuntimeIsHealthy(runtime, TimeSpan.FromSeconds(2));

        Assert.Equal(expected, healthy);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), "A hung runtime must not hold up startup past the timeout.");
    }

    [Fact]
    public void A_runtime_that_is_not_installed_is_not_healthy()
    {
        Assert.False(HostProbes.ContainerRuntimeIsHealthy(Path.Combine(directory, "no-such-runtime"), TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Finds_an_executable_on_the_path_and_skips_files_that_are_not_executable()
    {
        var other = Directory.CreateDirectory(Path.Combine(directory, "first")).FullName;
        File.WriteAllText(Path.Combine(other, "redis-server"), "not executable");
        var executable = WriteExecutable("redis-server", "exit 0");

        var found = HostProbes.FindOnPath("redis-server", string.Join(Path.PathSeparator, other, directory));

        Assert.Equal(executable, found);
        Assert.Null(HostProbes.FindOnPath("redis-server", other));
    }

    private string WriteExecutable(string name, string script)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, "#!/bin/sh\n" + script + "\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
