namespace LlmPlatform.Scheduling;

/// <summary>
/// The cached full blocks that start a waiting sequence's tokens, found by <see cref="BlockManager.FindCachedPrefix"/>
/// and handed to <see cref="BlockManager.TryAllocateSlots"/>, which takes a reference on them.
/// </summary>
public sealed class CachedPrefix
{
    public static readonly CachedPrefix None = new([], 0);

    internal CachedPrefix(IReadOnlyList<KvBlock> blocks, int numTokens)
    {
        Blocks = blocks;
        NumTokens = numTokens;
    }

    /// <summary>Tokens whose KV the prefix holds: its blocks times the block size.</summary>
    public int NumTokens { get; }

    internal IReadOnlyList<KvBlock> Blocks { get; }
}
