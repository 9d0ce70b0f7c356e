using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmPlatform.Routing;

/// <summary>
/// The Redis contract between workers and the Router (docs/contracts.md, "Fleet state in Redis"): the registry, each
/// worker's load and its prefix-cache blocks, and the channel its KV events go out on.
/// </summary>
public static class FleetKeys
{
    /// <summary>Sorted set: worker id -> its last heartbeat (Unix milliseconds). A worker not heard from within <see cref="Lease"/> is dead.</summary>
    public const string Workers = "llm:workers";

    /// <summary>Pub/sub channel of <see cref="KvEventMessage"/>s, every worker's, in each worker's order.</summary>
    public const string KvEvents = "llm:kv-events";

    /// <summary>How often a worker refreshes its registration and load.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a registration outlives its last heartbeat: a stopped or killed worker is gone within this.</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(3);

    /// <summary>Hash: address, model, block_size, running, waiting, kv_usage, updated_ms; expires with the lease.</summary>
    public static string Worker(string id) => $"llm:worker:{id}";

    /// <summary>Set of the block hashes (32 hex digits) the worker's prefix cache holds: the snapshot a Router loads.</summary>
    public static string Blocks(string id) => $"llm:kv:{id}";
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
