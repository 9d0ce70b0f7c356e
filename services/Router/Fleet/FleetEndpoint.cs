namespace LlmPlatform.Router.Fleet;

/// <summary>
/// <c>GET /fleet</c>: the workers the Router sees and what it knows of each (load, cached blocks), for operators and
/// for tests of what the Router would route on.
/// </summary>
internal static class FleetEndpoint
{
    public static IEndpointRouteBuilder MapFleet(this IEndpointRouteBuilder app)
    {
        app.MapGet("/fleet", (FleetView fleet) => TypedResults.Ok(new FleetSnapshot(fleet.Current, fleet.Index.Count,
            fleet.Workers.Values.OrderBy(w => w.Id, StringComparer.Ordinal)
                .Select(w => new FleetWorker(w.Id, w.Address.ToString(), w.Model, w.Load.Running, w.Load.Waiting, w.Load.KvUsage, fleet.Index.BlocksOf(w.Id)))
                .ToList())));
        return app;
    }
}

public sealed record FleetSnapshot(bool Current, int IndexedBlocks, IReadOnlyList<FleetWorker> Workers);

public sealed record FleetWorker(string Id, string Address, string Model, int Running, int Waiting, double KvUsage, int CachedBlocks);
