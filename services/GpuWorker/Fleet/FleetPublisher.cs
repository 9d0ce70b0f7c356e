using System.Globalization;
using System.Threading.Channels;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Routing;
using LlmPlatform.Scheduling;
using LlmPlatform.ServiceDefaults;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using IServer = Microsoft.AspNetCore.Hosting.Server.IServer;

namespace LlmPlatform.GpuWorker.Fleet;

/// <summary>
/// Makes this worker known to the Router through Redis (FleetKeys): a registration with its address and model and
/// its load, refreshed every heartbeat under a short lease, and its prefix cache: a set of block hashes kept in step
/// with the engine's KV events, which also go out on a channel for Routers that mirror them. When Redis comes back
/// after an outage the set is rewritten whole from this worker's own copy, since events were lost meanwhile. Redis
/// being away never stops the worker serving.
/// </summary>
public sealed class FleetPublisher : BackgroundService
{
    private readonly IConnectionMultiplexer redis;
    private readonly EngineHost host;
    private readonly ServedModel model;
    private readonly IServer server;
    private readonly IHostApplicationLifetime lifetime;
    private readonly ILogger<FleetPublisher> logger;
    private readonly FleetOptions options;
    private readonly FleetKeys keys;
    private readonly Channel<IReadOnlyList<KvCacheEvent>> events = Channel.CreateUnbounded<IReadOnlyList<KvCacheEvent>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly HashSet<BlockHash> cached = [];
    private volatile bool resend = true;
    private int unavailable;
    private long sequence;

    public FleetPublisher(IConnectionMultiplexer redis, EngineHost host, ServedModel model, IServer server, IHostApplicationLifetime lifetime, IOptions<FleetOptions> options,
        ILogger<FleetPublisher> logger)
    {
        this.redis = redis;
        this.host = host;
        this.model = model;
        this.server = server;
        this.lifetime = lifetime;
        this.logger = logger;
        this.options = options.Value;
        keys = new FleetKeys(this.options.Name);
        WorkerId = string.IsNullOrWhiteSpace(this.options.WorkerId)
            ? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}"
            : this.options.WorkerId;
        // Raised on the engine thread, which must not wait: the batch is queued and published from here.
        host.Engine.KvCacheChanged += batch => events.Writer.TryWrite(batch);
        redis.ConnectionRestored += (_, _) => resend = true;
    }

    public string WorkerId { get; }

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        // The address is known once Kestrel listens.
        await WhenStarted(stopping);
        var address = AdvertisedAddress();
        Log.Registering(logger, WorkerId, address);
        var heartbeats = Heartbeats(address, stopping);
        try
        {
            await foreach (var batch in events.Reader.ReadAllAsync(stopping))
            {
                await Publish(batch);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        await heartbeats;
        await Deregister();
    }

    private async Task Heartbeats(string address, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(FleetKeys.HeartbeatInterval);
        do
        {
            try
            {
                if (resend)
                {
                    // The publishing loop alone touches the block set, so the snapshot is queued to it.
                    resend = false;
                    events.Writer.TryWrite([]);
                }

                await Heartbeat(address);
                if (Interlocked.Exchange(ref unavailable, 0) == 1)
                {
                    Log.RedisBack(logger);
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                Unavailable(e);
            }
        }
        while (await timer.NextTickAsync(stopping));
    }

    private async Task Heartbeat(string address)
    {
        var database = redis.GetDatabase();
        var key = keys.Worker(WorkerId);
        var scheduler = host.Scheduler;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var batch = database.CreateBatch();
        var writes = new[]
        {
            batch.HashSetAsync(key,
            [
                new HashEntry("address", address),
                new HashEntry("model", model.Name),
                new HashEntry("block_size", host.BlockSize),
                new HashEntry("running", scheduler.NumRunning),
                new HashEntry("waiting", scheduler.NumWaiting),
                new HashEntry("kv_usage", scheduler.BlockManager.Usage.ToString("R", CultureInfo.InvariantCulture)),
                new HashEntry("updated_ms", now),
            ]),
            batch.KeyExpireAsync(key, FleetKeys.Lease),
            batch.SortedSetAddAsync(keys.Workers, WorkerId, now),
        };
        batch.Execute();
        await Task.WhenAll(writes);
    }

    /// <summary>
    /// Applies a batch of events to this worker's block set in Redis and announces it. An empty batch asks for a
    /// snapshot (at start, or when Redis came back): the set is rewritten from the local copy and the numbering
    /// restarts.
    /// </summary>
    private async Task Publish(IReadOnlyList<KvCacheEvent> batch)
    {
        var stored = new List<BlockHash>();
        var removed = new List<BlockHash>();
        var cleared = false;
        foreach (var change in batch)
        {
            switch (change)
            {
                case BlockStored s:
                    stored.AddRange(s.Hashes);
                    cached.UnionWith(s.Hashes);
                    break;
                case BlockRemoved r:
                    removed.AddRange(r.Hashes);
                    cached.ExceptWith(r.Hashes);
                    break;
                case AllBlocksCleared:
                    (cleared, stored, removed) = (true, [], []);
                    cached.Clear();
                    break;
            }
        }

        var database = redis.GetDatabase();
        var key = keys.Blocks(WorkerId);
        try
        {
            if (batch.Count == 0)
            {
                // A snapshot: the whole set, announced as "cleared, then these".
                sequence = 0;
                (cleared, stored, removed) = (true, [.. cached], []);
            }

            var transaction = database.CreateTransaction();
            var writes = new List<Task>();
            if (cleared)
            {
                writes.Add(transaction.KeyDeleteAsync(key));
            }

            if (stored.Count > 0)
            {
                writes.Add(transaction.SetAddAsync(key, [.. stored.Select(h => (RedisValue)h.ToString())]));
            }

            if (removed.Count > 0)
            {
                writes.Add(transaction.SetRemoveAsync(key, [.. removed.Select(h => (RedisValue)h.ToString())]));
            }

            var message = new KvEventMessage(WorkerId, ++sequence, cleared, [.. stored.Select(h => h.ToString())], [.. removed.Select(h => h.ToString())]);
            writes.Add(transaction.PublishAsync(RedisChannel.Literal(keys.KvEvents), message.ToJson()));
            await transaction.ExecuteAsync();
            await Task.WhenAll(writes);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Unavailable(e);
        }
    }

    /// <summary>Marks the state for a resend; an outage is logged once, not at every heartbeat it lasts.</summary>
    private void Unavailable(Exception e)
    {
        resend = true;
        if (Interlocked.Exchange(ref unavailable, 1) == 0)
        {
            Log.RedisUnavailable(logger, e.Message);
        }
    }

    private async Task Deregister()
    {
        try
        {
            var database = redis.GetDatabase();
            await Task.WhenAll(
                database.SortedSetRemoveAsync(keys.Workers, WorkerId),
                database.KeyDeleteAsync(keys.Worker(WorkerId)),
                database.KeyDeleteAsync(keys.Blocks(WorkerId)));
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The lease runs out on its own.
            Log.RedisUnavailable(logger, e.Message);
        }
    }

    private string AdvertisedAddress()
    {
        if (!string.IsNullOrWhiteSpace(options.AdvertisedUrl))
        {
            return options.AdvertisedUrl.TrimEnd('/');
        }

        var listening = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http://", StringComparison.Ordinal))
            ?? server.Features.Get<IServerAddressesFeature>()?.Addresses.First()
            ?? throw new InvalidOperationException("The worker listens on no address to advertise; set Fleet:AdvertisedUrl.");
        // A wildcard bind is reachable at this host's name.
        return listening.Replace("://+", $"://{Environment.MachineName}", StringComparison.Ordinal)
            .Replace("://*", $"://{Environment.MachineName}", StringComparison.Ordinal)
            .Replace("://0.0.0.0", $"://{Environment.MachineName}", StringComparison.Ordinal)
            .Replace("://[::]", $"://{Environment.MachineName}", StringComparison.Ordinal)
            .TrimEnd('/');
    }

    private Task WhenStarted(CancellationToken stopping)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        stopping.Register(() => started.TrySetCanceled(stopping));
        return started.Task;
    }
}

/// <summary>How this worker appears in the fleet (<c>Fleet</c> section). All are optional.</summary>
public sealed class FleetOptions
{
    public const string Section = "Fleet";

    /// <summary>The fleet this worker joins: its Redis keys' namespace, the same as the Router's (<see cref="FleetKeys"/>); default "default".</summary>
    public string? Name { get; set; }

    /// <summary>A stable id; default: host name, process id and a random suffix, new on every start.</summary>
    public string? WorkerId { get; set; }

    /// <summary>The URL the Router reaches this worker at; default: the first address Kestrel listens on.</summary>
    public string? AdvertisedUrl { get; set; }
}

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Registering in the fleet as {WorkerId} at {Address}")]
    public static partial void Registering(ILogger logger, string workerId, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unavailable; the fleet state is resent when it is back: {Reason}")]
    public static partial void RedisUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis is back; registration and block set resent")]
    public static partial void RedisBack(ILogger logger);
}
