using System.Diagnostics;
using Aspire.Hosting;
using LlmPlatform.AppHost.Redis;

namespace LlmPlatform.AppHost.Tests;

/// <summary>
/// The platform with three workers and a Redis-protocol server owned by the test (Garnet, reached as an external
/// Redis), so that tests can kill a worker or stop Redis under load. Its own collection, run after the parallel ones
/// so that two platforms never share the two cores.
/// </summary>
public sealed class FleetFixture : IAsyncLifetime
{
    public static readonly string[] Workers = ["worker-0", "worker-1", "worker-2"];

    private readonly int redisPort = HostProbes.FreeLoopbackPort();
    private EmbeddedGarnet? redis;
    private DistributedApplication? app;

    public DistributedApplication App => app ?? throw new InvalidOperationException("The platform has not started.");

    public async Task InitializeAsync()
    {
        StartRedis();
        app = await PlatformLauncher.StartAsync(
            ["--Platform:RedisMode=External", $"--ConnectionStrings:redis=127.0.0.1:{redisPort}", $"--Platform:Workers={Workers.Length}"], Workers.Length);
    }

    /// <summary>Starts Redis on the platform's port: empty, as after a restart without persistence.</summary>
    public void StartRedis() => redis = EmbeddedGarnet.Start(redisPort);

    public async Task StopRedisAsync()
    {
        if (redis is not null)
        {
            await redis.StopAsync(CancellationToken.None);
            redis = null;
        }
    }

    /// <summary>Kills a worker's process outright, as a crash would: no deregistration, connections reset.</summary>
    public void KillWorker(string name)
    {
        if (!App.ResourceNotifications.TryGetCurrentState(name, out var state)
            || state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is not { } pid)
        {
            throw new InvalidOperationException($"No process id is known for {name}.");
        }

        using var process = Process.GetProcessById(Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture));
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        await StopRedisAsync();
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class FleetCollection : ICollectionFixture<FleetFixture>
{
    public const string Name = "fleet";
}
