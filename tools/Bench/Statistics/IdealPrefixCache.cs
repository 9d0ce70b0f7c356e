using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Bench.Statistics;

/// <summary>A request's prompt as the server tokenized it, when it was sent, and when its prefill was done (its first token).</summary>
public sealed record PromptAt(string Model, double SentAt, double ComputedAt, IReadOnlyList<int> TokenIds);

/// <summary>
/// The prefix-cache hit rate one server with an unbounded cache would reach on the same requests: the yardstick for
/// routing over a fleet, where a cache-blind router scatters each conversation's history over several workers. A
/// request finds cached every leading full block that some earlier request's prompt had computed by the time it was
/// sent, short of its last token, which a server always computes to produce the first output. Blocks are chained as
/// the workers chain them (the shared prefix-hash scheme), so a block counts only after a cached prefix.
/// Not counted: blocks of generated replies, which the next turn may also find; the ideal is that much low.
/// </summary>
public static class IdealPrefixCache
{
    /// <summary>The cached prompt tokens each request would get, in the order of <paramref name="prompts"/>.</summary>
    public static int[] CachedTokens(IReadOnlyList<PromptAt> prompts, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        var hashes = prompts.Select(p => PrefixBlockHasher.HashPrompt(new PrefixHashSeed(p.Model, ""), [.. p.TokenIds], blockSize)).ToArray();
        var computed = Enumerable.Range(0, prompts.Count).OrderBy(i => prompts[i].ComputedAt).ToArray();
        var cache = new HashSet<BlockHash>();
        var added = 0;
        var cached = new int[prompts.Count];
        foreach (var i in Enumerable.Range(0, prompts.Count).OrderBy(i => prompts[i].SentAt))
        {
            for (; added < computed.Length && prompts[computed[added]].ComputedAt <= prompts[i].SentAt; added++)
            {
                cache.UnionWith(hashes[computed[added]]);
            }

            var matched = hashes[i].TakeWhile(cache.Contains).Count();
            cached[i] = Math.Min(matched * blockSize, Math.Max(0, prompts[i].TokenIds.Count - 1) / blockSize * blockSize);
        }

        return cached;
    }

    /// <summary>Ideal cached tokens over all prompt tokens; null without prompts.</summary>
    public static double? HitRate(IReadOnlyList<PromptAt> prompts, int blockSize)
    {
        var total = prompts.Sum(p => p.TokenIds.Count);
        return total == 0 ? null : CachedTokens(prompts, blockSize).Sum() / (double)total;
    }
}
