using LlmPlatform.AppHost.Redis;

namespace LlmPlatform.AppHost.Tests;

public sealed class PlatformSettingsTests
{
    [Fact]
    public void Each_run_is_a_new_fleet_unless_one_is_named()
    {
        var first = PlatformSettings.Read([]).FleetName;
        var second = PlatformSettings.Read([]).FleetName;

        Assert.NotEqual(first, second);
        Assert.Equal(first, new LlmPlatform.Routing.FleetKeys(first).Name);
        Assert.Equal("shared", PlatformSettings.Read(["--Platform:FleetName=shared"]).FleetName);
    }

    [Fact]
    public void Defaults_run_two_workers_with_the_dashboard_and_automatic_redis()
    {
        var settings = PlatformSettings.Read([]);

        Assert.Equal(2, settings.Workers);
        Assert.True(settings.Dashboard);
        Assert.Equal(RedisMode.Auto, settings.RedisMode);
    }

    [Fact]
    public void Command_line_switches_override_the_defaults()
    {
        var settings = PlatformSettings.Read(["--Platform:Workers=3", "--Platform:Dashboard=false", "--Platform:RedisMode=embedded"]);

        Assert.Equal(3, settings.Workers);
        Assert.False(settings.Dashboard);
        Assert.Equal(RedisMode.Embedded, settings.RedisMode);
    }

    [Fact]
    public void Zero_workers_is_a_startup_error_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PlatformSettings.Read(["--Platform:Workers=0"]));
        Assert.Contains("Platform:Workers", error.Message);
    }

    [Theory]
    [InlineData(2, 4, 0, 1)]
    [InlineData(2, 2, 0, 1)]
    [InlineData(16, 2, 0, 8)]
    [InlineData(16, 3, 0, 5)]
    [InlineData(16, 2, 3, 3)]
    public void Workers_split_the_cores_unless_told_their_threads(int cores, int workers, int configured, int expected)
    {
        var settings = PlatformSettings.Read([$"--Platform:Workers={workers}", $"--Platform:WorkerCpuThreads={configured}"]);

        Assert.Equal(expected, settings.CpuThreadsPerWorker(cores));
    }

    [Fact]
    public void Negative_worker_threads_are_a_startup_error_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PlatformSettings.Read(["--Platform:WorkerCpuThreads=-1"]));
        Assert.Contains("Platform:WorkerCpuThreads", error.Message);
    }
}
