using System.Collections.Concurrent;
using LlmPlatform.Router.Fleet;
using LlmPlatform.Routing;

namespace LlmPlatform.Router.Routing;

/// <summary>
/// The requests this Router has in flight to each worker. A worker reports its load every heartbeat, so for up to one
/// heartbeat after a request ends the report still counts it, and a conversation's next turn would be steered away
/// from the worker holding its history. The Router's own count is exact for what it sent; the report is used only
/// when it is newer than the Router's last completion there, since it also counts other Routers' requests. It also
/// remembers which workers failed a request before answering, for one lease period.
/// </summary>
public sealed class InFlight(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, Counter> workers = new();
    private readonly ConcurrentDictionary<string, long> failures = new();

    public IDisposable Start(string worker)
    {
        var counter = workers.GetOrAdd(worker, _ => new Counter());
        Interlocked.Increment(ref counter.Count);
        return new Finish(counter);
    }

    /// <summary>Notes that <paramref name="worker"/> could not be reached or failed before its response started.</summary>
    public void Failed(string worker) => failures[worker] = clock.GetTimestamp();

    /// <summary>
    /// Whether <paramref name="worker"/> failed within one lease: by then a dead worker has left the registry, and a
    /// live one that only hiccupped is tried again.
    /// </summary>
    public bool RecentlyFailed(string worker) =>
        failures.TryGetValue(worker, out var at) && clock.GetElapsedTime(at) < FleetKeys.Lease;

    /// <summary>The load to route on: the report, unless this Router has seen a request end there since it was written.</summary>
    public WorkerLoad LoadOf(WorkerEntry worker)
    {
        if (!workers.TryGetValue(worker.Id, out var counter))
        {
            return worker.Load;
        }

        var local = Volatile.Read(ref counter.Count);
        return Volatile.Read(ref counter.LastFinishedMs) >= worker.UpdatedMs
            ? worker.Load with { Running = local, Waiting = 0 }
            : worker.Load with { Running = Math.Max(local, worker.Load.Running) };
    }

    private sealed class Counter
    {
        public int Count;
        public long LastFinishedMs;
    }

    private sealed class Finish(Counter counter) : IDisposable
    {
        private int done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                Interlocked.Decrement(ref counter.Count);
                Volatile.Write(ref counter.LastFinishedMs, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            }
        }
    }
}
