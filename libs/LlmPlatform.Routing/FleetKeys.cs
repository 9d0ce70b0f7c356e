using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmPlatform.Routing;

/// <summary>
/// The Redis contract between workers and the Router (docs/contracts.md, "Fleet state in Redis"): the registry, each
/// worker's load and its prefix-cache blocks, and the channel its KV events go out on, all under one fleet's name, so
/// that fleets sharing a Redis (two platforms, or a platform and the workers of its previous run still shutting
/// down) never see each other's workers.
/// </summary>
public sealed class FleetKeys
{
    /// <summary>The configuration key both sides read the fleet's name from (<c>Fleet__Name</c> as a variable).</summary>
    public const string NameConfigurationKey = "Fleet:Name";

    /// <summary>The fleet's name when none is configured.</summary>
    public const string DefaultName = "default";

    /// <summary>How often a worker refreshes its registration and load.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a registration outlives its last heartbeat: a stopped or killed worker is gone within this.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How often both sides retry a lost Redis connection. After a Redis restart the Router keeps a worker missing from
    /// the registry for one lease from its own reconnect; the client's default exponential backoff (up to 10 s) could
    /// bring a worker back later than that, and the Router would drop it meanwhile. A steady short retry brings every
    /// side back within about a second of Redis.
    /// </summary>
    public static readonly TimeSpan ReconnectInterval = TimeSpan.FromMilliseconds(500);

    private readonly string prefix;

    /// <param name="name">Letters, digits, '.', '_' and '-'; null or empty: <see cref="DefaultName"/>.</param>
    public FleetKeys(string? name)
    {
        Name = string.IsNullOrWhiteSpace(name) ? DefaultName : name.Trim();
        if (!Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new ArgumentException($"{NameConfigurationKey} '{Name}' may hold only letters, digits, '.', '_' and '-'.", nameof(name));
        }

        prefix = $"llm:{Name}:";
    }

    public string Name { get; }

    /// <summary>Sorted set: worker id -> its last heartbeat (Unix milliseconds). A worker not heard from within <see cref="Lease"/> is dead.</summary>
    public string Workers => prefix + "workers";

    /// <summary>Pub/sub channel of <see cref="KvEventMessage"/>s, every worker's, in each worker's order.</summary>
    public string KvEvents => prefix + "kv-events";

    /// <summary>Hash: address, model, block_size, running, waiting, kv_usage, updated_ms; expires with the lease.</summary>
    public string Worker(string id) => $"{prefix}worker:{id}";

    /// <summary>Set of the block hashes (32 hex digits) the worker's prefix cache holds: the snapshot a Router loads.</summary>
    public string Blocks(string id) => $"{prefix}kv:{id}";
}

/// <summary>
/// One batch of a worker's KV events, numbered per worker (<see cref="Sequence"/> counts up from 1 after every
/// snapshot), so a Router that sees a gap knows it missed some and reloads the worker's block set instead.
/// </summary>
public sealed record KvEventMessage(string Worker, long Sequence, bool Cleared, IReadOnlyList<string> Stored, IReadOnlyList<string> Removed)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static KvEventMessage? FromJson(string json) => JsonSerializer.Deserialize<KvEventMessage>(json, Json);
}
