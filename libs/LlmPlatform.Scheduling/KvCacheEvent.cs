using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Scheduling;

/// <summary>
/// A change to the set of block hashes this worker can serve from its prefix cache, for the Router's index
/// (vLLM's KV events). Replaying them in order from an empty set gives <see cref="BlockManager.CachedBlockHashes"/>.
/// </summary>
public abstract record KvCacheEvent;

/// <summary>Blocks newly registered in the prefix cache, in token order.</summary>
public sealed record BlockStored(IReadOnlyList<BlockHash> Hashes) : KvCacheEvent;

/// <summary>Cached blocks evicted to make room.</summary>
public sealed record BlockRemoved(IReadOnlyList<BlockHash> Hashes) : KvCacheEvent;

/// <summary>The prefix cache was reset: no hash is cached any more.</summary>
public sealed record AllBlocksCleared : KvCacheEvent;
