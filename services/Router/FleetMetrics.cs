using System.Text;
using LlmPlatform.Router.Fleet;
using Yarp.ReverseProxy;

namespace LlmPlatform.Router;

/// <summary>
/// <c>GET /metrics</c> on the Router: every worker's vLLM metrics in one scrape, each sample labelled with the worker
/// it came from (<c>worker="worker-0"</c>), so one Prometheus target shows the fleet and a dashboard written for vLLM
/// sums or splits it by label. Prometheus may still scrape each worker itself; the families and samples are the same.
/// A worker that does not answer is left out of this scrape rather than failing it.
/// </summary>
internal static class FleetMetrics
{
    public const string ClusterId = "workers";
    private const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IEndpointRouteBuilder MapFleetMetrics(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (IProxyStateLookup proxy, IHttpClientFactory clients, IServiceProvider services, CancellationToken cancellation) =>
        {
            using var client = clients.CreateClient(nameof(FleetMetrics));
            var scrapes = await Task.WhenAll(Workers(proxy, services.GetService<FleetView>()).Select(async worker =>
            {
                try
                {
                    return (worker.Name, Text: await client.GetStringAsync(new Uri(worker.Address, "/metrics"), cancellation));
                }
                catch (HttpRequestException)
                {
                    return (worker.Name, Text: "");
                }
            }));

            return TypedResults.Text(Merge(scrapes), ContentType);
        });
        return app;
    }

    /// <summary>The workers to scrape: the fleet's, by id, when the Router has one; else the configured destinations.</summary>
    private static IEnumerable<(string Name, Uri Address)> Workers(IProxyStateLookup proxy, FleetView? fleet) =>
        fleet is not null
            ? fleet.Workers.Values.Select(w => (w.Id, w.Address))
            : proxy.TryGetCluster(ClusterId, out var cluster)
                ? cluster.Destinations.Values.Select(d => (d.DestinationId, new Uri(d.Model.Config.Address)))
                : [];

    /// <summary>
    /// One exposition from several: the text format wants each family's samples together under one HELP and TYPE,
    /// so samples are grouped by the family header they followed.
    /// </summary>
    public static string Merge(IEnumerable<(string Worker, string Text)> scrapes)
    {
        var families = new List<Family>();
        foreach (var (worker, text) in scrapes)
        {
            Family? current = null;
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.StartsWith("# ", StringComparison.Ordinal))
                {
                    var name = line.Split(' ', 4)[2];
                    current = families.Find(f => f.Name == name);
                    if (current is null)
                    {
                        families.Add(current = new Family(name));
                    }

                    current.Headers.Add(line);
                }
                else if (current is not null)
                {
                    current.Samples.Add(WithWorker(line, worker));
                }
            }
        }

        var merged = new StringBuilder();
        foreach (var family in families)
        {
            foreach (var header in family.Headers.Distinct())
            {
                merged.Append(header).Append('\n');
            }

            foreach (var sample in family.Samples)
            {
                merged.Append(sample).Append('\n');
            }
        }

        return merged.ToString();
    }

    /// <summary>The sample with <c>worker="…"</c> as its first label.</summary>
    private static string WithWorker(string sample, string worker)
    {
        var label = $"worker=\"{worker.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";
        var brace = sample.IndexOf('{', StringComparison.Ordinal);
        var space = sample.IndexOf(' ', StringComparison.Ordinal);
        return brace >= 0 && brace < space
            ? $"{sample[..(brace + 1)]}{label},{sample[(brace + 1)..]}"
            : $"{sample[..space]}{{{label}}}{sample[space..]}";
    }

    private sealed record Family(string Name)
    {
        public List<string> Headers { get; } = [];

        public List<string> Samples { get; } = [];
    }
}
