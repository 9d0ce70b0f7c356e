using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Scheduling;

/// <summary>One block of the KV pool. Free exactly when no sequence references it.</summary>
internal sealed class KvBlock(int id)
{
    public int Id { get; } = id;

    public int RefCount { get; set; }

    /// <summary>Set once the block is full and computed and registered in the prefix cache; null otherwise.</summary>
    public BlockHash? Hash { get; set; }

    /// <summary>The block's place in the free queue; null while referenced.</summary>
    public LinkedListNode<KvBlock>? FreeNode { get; set; }
}
