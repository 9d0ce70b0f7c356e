namespace LlmPlatform.Scheduling;

/// <summary>
/// Blocks no sequence references, in the order they are taken for reuse. A cached block joins at the tail, so the
/// head is the least recently freed (LRU); a block without a hash joins at the head, since taking it evicts nothing.
/// Removal from the middle is O(1): a cache hit takes a free cached block back wherever it sits.
/// </summary>
internal sealed class FreeBlockQueue
{
    private readonly LinkedList<KvBlock> _blocks = new();

    public FreeBlockQueue(IEnumerable<KvBlock> blocks)
    {
        foreach (var block in blocks)
            block.FreeNode = _blocks.AddLast(block);
    }

    public int Count => _blocks.Count;

    public void Add(KvBlock block)
    {
        block.FreeNode = block.Hash is null ? _blocks.AddFirst(block) : _blocks.AddLast(block);
    }

    public KvBlock TakeNext()
    {
        var block = _blocks.First?.Value ?? throw new InvalidOperationException("No free block.");
        Remove(block);
        return block;
    }

    public void Remove(KvBlock block)
    {
        _blocks.Remove(block.FreeNode ?? throw new InvalidOperationException($"Block {block.Id} is not free."));
        block.FreeNode = null;
    }
}
