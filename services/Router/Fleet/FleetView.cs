using LlmPlatform.Routing;

namespace LlmPlatform.Router.Fleet;

/// <summary>A registered worker as the Router last read it from Redis; <see cref="UpdatedMs"/> is when it wrote its load.</summary>
public sealed record WorkerEntry(string Id, Uri Address, string Model, int BlockSize, WorkerLoad Load, long UpdatedMs);

/// <summary>
/// The Router's picture of the fleet: the live workers with their last reported load, and the prefix index fed by
/// their KV events. Written by <see cref="FleetWatcher"/>, read by requests. When Redis is unreachable the last
/// picture stays, so routing goes on from the last known view rather than failing.
/// </summary>
public sealed class FleetView
{
    private volatile IReadOnlyDictionary<string, WorkerEntry> workers = new Dictionary<string, WorkerEntry>();

    public PrefixIndex Index { get; } = new();

    public IReadOnlyDictionary<string, WorkerEntry> Workers => workers;

    /// <summary>Whether the last read of the registry succeeded; false while Redis is unreachable.</summary>
    public bool Current { get; private set; }

    /// <summary>Replaces the live set; a worker that is no longer registered loses its index entries at once.</summary>
    public void Update(IReadOnlyDictionary<string, WorkerEntry> live)
    {
        foreach (var gone in workers.Keys.Except(live.Keys))
        {
            Index.Cleared(gone);
        }

        workers = live;
        Current = true;
    }

    public void MarkStale() => Current = false;
}
