using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Scheduling;

/// <summary>
/// The paged KV pool: a fixed number of blocks of <see cref="BlockSize"/> tokens, reference counted so that
/// sequences share the blocks of a common prefix. With prefix caching, a full and computed block is registered under
/// its prefix hash; when its last reference goes it stays cached in the free queue, reusable by any later sequence
/// with the same prefix until a new allocation evicts it (least recently freed first).
/// </summary>
public sealed class BlockManager
{
    private readonly KvBlock[] _blocks;
    private readonly FreeBlockQueue _free;
    private readonly Dictionary<BlockHash, KvBlock> _cached = [];
    private readonly List<KvCacheEvent> _events = [];

    public BlockManager(int numBlocks, int blockSize, bool enablePrefixCaching = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        NumBlocks = numBlocks;
        BlockSize = blockSize;
        EnablePrefixCaching = enablePrefixCaching;
        _blocks = Enumerable.Range(0, numBlocks).Select(id => new KvBlock(id)).ToArray();
        _free = new FreeBlockQueue(_blocks);
    }

    public int NumBlocks { get; }

    public int BlockSize { get; }

    public bool EnablePrefixCaching { get; }

    /// <summary>Blocks no sequence references, cached ones included: all of them can be allocated.</summary>
    public int NumFreeBlocks => _free.Count;

    public int NumUsedBlocks => NumBlocks - _free.Count;

    /// <summary>The kv_cache_usage metric: the fraction of blocks referenced by a sequence.</summary>
    public double Usage => (double)NumUsedBlocks / NumBlocks;

    public int NumCachedBlocks => _cached.Count;

    /// <summary>
    /// The hashes the prefix cache holds: the snapshot a worker publishes on start or reconnect. A live view; copy it
    /// before the next allocation.
    /// </summary>
    public IReadOnlyCollection<BlockHash> CachedBlockHashes => _cached.Keys;

    /// <summary>Tokens of admitted sequences looked up in the prefix cache (vLLM's prefix_cache_queries).</summary>
    public long PrefixCacheQueriedTokens { get; private set; }

    /// <summary>Of those, the tokens found cached (vLLM's prefix_cache_hits).</summary>
    public long PrefixCacheHitTokens { get; private set; }

    /// <summary>
    /// The longest run of cached full blocks that starts a sequence holding no blocks. It never covers the last
    /// token: that token is computed so that the step has logits to sample from, as vLLM does.
    /// </summary>
    public CachedPrefix FindCachedPrefix(Sequence sequence)
    {
        if (!EnablePrefixCaching || sequence.BlockTable.Count > 0)
            return CachedPrefix.None;
        var blocks = new List<KvBlock>();
        var maxBlocks = (sequence.NumTokens - 1) / BlockSize;
        while (blocks.Count < maxBlocks && _cached.TryGetValue(sequence.BlockHash(blocks.Count, BlockSize), out var block))
            blocks.Add(block);
        return blocks.Count == 0 ? CachedPrefix.None : new CachedPrefix(blocks, blocks.Count * BlockSize);
    }

    /// <summary>
    /// Gives the sequence blocks for <paramref name="numNewTokens"/> tokens past those computed (past the cached
    /// <paramref name="prefix"/> for a sequence being admitted, whose blocks it takes first). False, changing
    /// nothing, when the free blocks do not suffice.
    /// </summary>
    public bool TryAllocateSlots(Sequence sequence, int numNewTokens, CachedPrefix? prefix = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(numNewTokens);
        prefix ??= CachedPrefix.None;
        var table = sequence.MutableBlockTable;
        var admitting = table.Count == 0;
        if (!admitting && prefix.Blocks.Count > 0)
            throw new InvalidOperationException($"Sequence {sequence.Id} already holds blocks; a cached prefix is for admission.");

        var numTokens = sequence.NumComputedTokens + prefix.NumTokens + numNewTokens;
        var numNewBlocks = Math.Max(0, CeilDiv(numTokens, BlockSize) - table.Count - prefix.Blocks.Count);
        // A cached block nobody references sits in the free queue: taking it uses up a free block too.
        var numRevived = prefix.Blocks.Count(block => block.RefCount == 0);
        if (numNewBlocks + numRevived > _free.Count)
            return false;

        foreach (var block in prefix.Blocks)
        {
            if (block.RefCount++ == 0)
                _free.Remove(block);
            table.Add(block.Id);
        }
        List<BlockHash>? evicted = null;
        for (var i = 0; i < numNewBlocks; i++)
        {
            var block = _free.TakeNext();
            if (block.Hash is { } hash)
            {
                _cached.Remove(hash);
                block.Hash = null;
                (evicted ??= []).Add(hash);
            }
            block.RefCount = 1;
            table.Add(block.Id);
        }
        if (evicted is not null)
            _events.Add(new BlockRemoved(evicted));
        if (admitting && EnablePrefixCaching)
        {
            PrefixCacheQueriedTokens += sequence.NumTokens;
            PrefixCacheHitTokens += prefix.NumTokens;
        }
        return true;
    }

    /// <summary>
    /// Drops the sequence's references. Blocks are freed last block first, so that a request's tail, the part least
    /// likely to be shared, is evicted before its head.
    /// </summary>
    public void Free(Sequence sequence)
    {
        var table = sequence.MutableBlockTable;
        for (var i = table.Count - 1; i >= 0; i--)
        {
            var block = _blocks[table[i]];
            if (--block.RefCount == 0)
                _free.Add(block);
        }
        table.Clear();
        sequence.NumBlocksOfferedToCache = 0;
    }

    /// <summary>
    /// Registers the sequence's full, computed blocks in the prefix cache. Called after a step, never when blocks
    /// are allocated: a block is served from the cache only once its KV has been written. A block whose hash is
    /// already cached elsewhere (two identical prompts prefilled at once) stays unregistered and is reused plainly.
    /// </summary>
    public void CacheFullBlocks(Sequence sequence)
    {
        if (!EnablePrefixCaching)
            return;
        var table = sequence.BlockTable;
        var numFull = Math.Min(sequence.NumComputedTokens / BlockSize, table.Count);
        List<BlockHash>? stored = null;
        for (var i = sequence.NumBlocksOfferedToCache; i < numFull; i++)
        {
            var block = _blocks[table[i]];
            var hash = sequence.BlockHash(i, BlockSize);
            if (block.Hash is not null || !_cached.TryAdd(hash, block))
                continue;
            block.Hash = hash;
            (stored ??= []).Add(hash);
        }
        sequence.NumBlocksOfferedToCache = Math.Max(sequence.NumBlocksOfferedToCache, numFull);
        if (stored is not null)
            _events.Add(new BlockStored(stored));
    }

    /// <summary>
    /// Forgets every cached hash, as vLLM's reset_prefix_cache. Refused (false) while any block is referenced,
    /// since running sequences would go on registering blocks from a cache that was meant to be empty.
    /// </summary>
    public bool ResetPrefixCache()
    {
        if (NumUsedBlocks > 0)
            return false;
        foreach (var block in _cached.Values)
            block.Hash = null;
        _cached.Clear();
        _events.Add(new AllBlocksCleared());
        return true;
    }

    /// <summary>The KV events since the last call, oldest first; the engine drains them once a step.</summary>
    public IReadOnlyList<KvCacheEvent> DrainEvents()
    {
        var events = _events.ToArray();
        _events.Clear();
        return events;
    }

    internal int RefCount(int blockId) => _blocks[blockId].RefCount;

    internal bool IsFree(int blockId) => _blocks[blockId].FreeNode is not null;

    internal BlockHash? HashOf(int blockId) => _blocks[blockId].Hash;

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
