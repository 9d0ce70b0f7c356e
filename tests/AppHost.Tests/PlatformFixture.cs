using Aspire.Hosting;
using Aspire.Hosting.Testing;
using System.Net.Http.Json;
using LlmPlatform.Routing;

namespace LlmPlatform.AppHost.Tests;

/// <summary>
/// The whole platform from the real AppHost: embedded Garnet, dashboard off, the demo model, two workers. Started
/// once for every end-to-end test in the collection, since a start costs tens of seconds on two cores.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public static readonly string[] Workers = ["worker-0", "worker-1"];

    private DistributedApplication? app;

    public DistributedApplication App => app ?? throw new InvalidOperationException("The platform has not started.");

    /// <summary>The fleet the platform is started as, so that tests can read its Redis keys.</summary>
    public FleetKeys Keys { get; } = new($"tests-{Guid.NewGuid().ToString("N")[..8]}");

    public async Task InitializeAsync() =>
        app = await PlatformLauncher.StartAsync(
            ["--Platform:RedisMode=Embedded", $"--Platform:Workers={Workers.Length}", $"--Platform:FleetName={Keys.Name}"], Workers.Length);

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PlatformCollection : ICollectionFixture<PlatformFixture>
{
    public const string Name = "platform";
}

/// <summary>
/// Starts the real AppHost headless and waits until the Router routes to every worker and the Embeddings service has
/// loaded its model (the Router does not wait for it), so no test races a model load.
/// </summary>
public static class PlatformLauncher
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    public static async Task<DistributedApplication> StartAsync(string[] arguments, int workers)
    {
        using var cancellation = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            [.. arguments, "--Platform:Dashboard=false"],
            (options, _) => options.DisableDashboard = true,
            cancellation.Token);
        var app = await builder.BuildAsync(cancellation.Token);
        await app.StartAsync(cancellation.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("router", cancellation.Token);
        await WaitUntilTheRouterSeesEveryWorker(app, workers, cancellation.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("embeddings", cancellation.Token);
        return app;
    }

    /// <summary>Workers load their model after the Router is up; tests start once it routes to all of them.</summary>
    private static async Task WaitUntilTheRouterSeesEveryWorker(DistributedApplication app, int workers, CancellationToken cancellation)
    {
        using var router = app.CreateHttpClient("router");
        while (true)
        {
            using var response = await router.GetAsync("/fleet", cancellation);
            if (response.IsSuccessStatusCode
                && (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(cancellation)).GetProperty("workers").GetArrayLength() == workers)
            {
                return;
            }

            await Task.Delay(250, cancellation);
        }
    }
}
