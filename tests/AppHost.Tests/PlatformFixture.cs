using Aspire.Hosting;
using Aspire.Hosting.Testing;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace LlmPlatform.AppHost.Tests;

/// <summary>
/// The whole platform from the real AppHost: embedded Garnet, dashboard off, the demo model, two workers. Started
/// once for every end-to-end test in the collection, since a start costs tens of seconds on two cores.
/// </summary>
public sealed class PlatformFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    public static readonly string[] Workers = ["worker-0", "worker-1"];

    private DistributedApplication? app;

    public DistributedApplication App => app ?? throw new InvalidOperationException("The platform has not started.");

    public async Task InitializeAsync()
    {
        using var cancellation = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Platform:RedisMode=Embedded", "--Platform:Dashboard=false", "--Platform:Workers=2"],
            (options, _) => options.DisableDashboard = true,
            cancellation.Token);
        app = await builder.BuildAsync(cancellation.Token);
        await app.StartAsync(cancellation.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("router", cancellation.Token);
        await WaitUntilTheRouterSeesEveryWorker(cancellation.Token);
    }

    /// <summary>Workers load their model after the Router is up; tests start once it routes to all of them.</summary>
    private async Task WaitUntilTheRouterSeesEveryWorker(CancellationToken cancellation)
    {
        using var router = App.CreateHttpClient("router");
        while (true)
        {
            using var response = await router.GetAsync("/fleet", cancellation);
            if (response.IsSuccessStatusCode
                && (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(cancellation)).GetProperty("workers").GetArrayLength() == Workers.Length)
            {
                return;
            }

            await Task.Delay(250, cancellation);
        }
    }

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
