using System.Collections.Concurrent;
using System.Globalization;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Routing;
using LlmPlatform.ServiceDefaults;
using StackExchange.Redis;

namespace LlmPlatform.Router.Fleet;

/// <summary>
/// Keeps <see cref="FleetView"/> in step with Redis (docs/contracts.md, "Fleet state in Redis"): reads the registry
/// every heartbeat, loads a new worker's block set, and applies every worker's KV events from the channel, reloading a
/// worker's set when its event numbers show a gap. A worker whose lease lapsed is dropped with its index entries at
/// the next read.
/// </summary>
public sealed class FleetWatcher(IConnectionMultiplexer redis, FleetKeys keys, FleetView fleet, TimeProvider clock, ILogger<FleetWatcher> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, long> sequences = new();
    private readonly ConcurrentDictionary<string, bool> needSnapshot = new();

    private bool subscribed;
    private bool outage;
    private long restoredAt;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        // Events sent while the connection was down are lost: every worker's set is reloaded when it is back.
        redis.ConnectionRestored += (_, _) =>
        {
            Volatile.Write(ref restoredAt, clock.GetTimestamp());
            foreach (var worker in fleet.Workers.Keys)
            {
                needSnapshot[worker] = true;
            }
        };
        using var timer = new PeriodicTimer(FleetKeys.HeartbeatInterval);
        do
        {
            try
            {
                // Until the first subscription succeeds (Redis may be down at startup) it is tried every heartbeat;
                // after that StackExchange.Redis renews it on every reconnect.
                if (!subscribed)
                {
                    var channel = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.KvEvents));
                    channel.OnMessage(message => Apply(KvEventMessage.FromJson(message.Message!)));
                    subscribed = true;
                }

                await Refresh();
                if (outage)
                {
                    outage = false;
                    Log.RegistryBack(logger);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                fleet.MarkStale();
                // Logged once per outage, not at every heartbeat it lasts.
                if (!outage)
                {
                    outage = true;
                    Log.RegistryUnavailable(logger, e.Message);
                }
            }
        }
        while (await timer.NextTickAsync(stopping));
    }

    private void Apply(KvEventMessage? message)
    {
        if (message is null || !fleet.Workers.ContainsKey(message.Worker))
        {
            // Not (yet) a live worker: its set is loaded whole when the registry shows it.
            return;
        }

        var previous = sequences.GetValueOrDefault(message.Worker);
        if (message.Cleared)
        {
            fleet.Index.Replace(message.Worker, message.Stored.Select(BlockHash.Parse));
        }
        else if (message.Sequence == previous + 1)
        {
            fleet.Index.Stored(message.Worker, message.Stored.Select(BlockHash.Parse));
            fleet.Index.Removed(message.Worker, message.Removed.Select(BlockHash.Parse));
        }
        else
        {
            needSnapshot[message.Worker] = true;
        }

        sequences[message.Worker] = message.Sequence;
    }

    private async Task Refresh()
    {
        var database = redis.GetDatabase();
        var since = DateTimeOffset.UtcNow.Add(-FleetKeys.Lease).ToUnixTimeMilliseconds();
        var ids = (await database.SortedSetRangeByScoreAsync(keys.Workers, since)).Select(id => id.ToString()).ToList();
        var entries = await Task.WhenAll(ids.Select(id => database.HashGetAllAsync(keys.Worker(id))));
        var live = new Dictionary<string, WorkerEntry>();
        for (var i = 0; i < ids.Count; i++)
        {
            if (Entry(ids[i], entries[i]) is { } entry)
            {
                live[entry.Id] = entry;
            }
        }

        var joined = live.Keys.Except(fleet.Workers.Keys).ToList();
        // A Redis that restarted empty holds no registration until each worker's next heartbeat: for one lease after a
        // reconnect a worker missing from the registry keeps its place (and its index entries) instead of leaving.
        if (clock.GetElapsedTime(Volatile.Read(ref restoredAt)) < FleetKeys.Lease)
        {
            foreach (var (id, entry) in fleet.Workers)
            {
                live.TryAdd(id, entry);
            }
        }

        fleet.Update(live);
        foreach (var id in joined.Concat(needSnapshot.Keys.Where(live.ContainsKey)).Distinct().ToList())
        {
            needSnapshot.TryRemove(id, out _);
            var blocks = await database.SetMembersAsync(keys.Blocks(id));
            fleet.Index.Replace(id, blocks.Select(b => BlockHash.Parse(b.ToString())));
        }

        foreach (var gone in sequences.Keys.Except(live.Keys).ToList())
        {
            sequences.TryRemove(gone, out _);
        }
    }

    /// <summary>The registration, or null while it is incomplete or has just expired.</summary>
    private static WorkerEntry? Entry(string id, HashEntry[] fields)
    {
        var values = fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
        string? Field(string name) => values.GetValueOrDefault(name);
        if (Field("address") is not { } address || !Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            return null;
        }

        int Int(string name) => int.TryParse(Field(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 0;
        var usage = double.TryParse(Field("kv_usage"), NumberStyles.Float, CultureInfo.InvariantCulture, out var kv) ? kv : 0;
        var updated = long.TryParse(Field("updated_ms"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? ms : 0;
        return new WorkerEntry(id, uri, Field("model") ?? "", Int("block_size"), new WorkerLoad(Int("running"), Int("waiting"), 0, usage), updated);
    }
}
