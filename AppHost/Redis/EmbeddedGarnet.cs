using Garnet;
using Microsoft.Extensions.Hosting;

namespace LlmPlatform.AppHost.Redis;

/// <summary>
/// Garnet serving the Redis protocol from inside the AppHost process: it starts before any service and stops with
/// the AppHost, so Ctrl+C leaves nothing behind. Sized small: the platform keeps routing hints in it, not data.
/// </summary>
public sealed class EmbeddedGarnet(GarnetServer server) : IHostedService
{
    private int stopped;

    public static EmbeddedGarnet Start(int port)
    {
        var server = new GarnetServer(["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--lua", "--memory", "256m", "--index", "64m"]);
        server.Start();
        return new EmbeddedGarnet(server);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Hosts may stop twice (Aspire's test host does); Garnet's Dispose throws the second time.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref stopped, 1) == 0)
        {
            server.Dispose();
        }

        return Task.CompletedTask;
    }
}
