using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Routing.Tests;

/// <summary>The index counts only unbroken leading runs of blocks, and a worker's removal takes all its entries.</summary>
public sealed class PrefixIndexTests
{
    private static readonly BlockHash[] Prompt = PrefixBlockHasher.HashPrompt(new PrefixHashSeed("m", "t"), Enumerable.Range(0, 80).ToArray(), 16);

    [Fact]
    public void A_worker_matches_the_leading_blocks_it_holds_without_a_gap()
    {
        var index = new PrefixIndex();
        index.Stored("a", Prompt[..3]);
        index.Stored("b", [Prompt[0], Prompt[2], Prompt[3]]);
        index.Stored("c", Prompt[1..]);

        var matched = index.MatchedPrefixBlocks(Prompt);

        Assert.Equal(3, matched["a"]);
        Assert.Equal(1, matched["b"]);
        Assert.False(matched.ContainsKey("c"), "Without the first block nothing of the prompt is reusable.");
    }

    [Fact]
    public void Workers_of_different_block_sizes_are_matched_each_in_its_own_size()
    {
        var seed = new PrefixHashSeed("m", "t");
        var tokens = Enumerable.Range(0, 80).ToArray();
        var index = new PrefixIndex();
        index.Stored("sixteen", PrefixBlockHasher.HashPrompt(seed, tokens, 16)[..3]);
        index.Stored("thirty-two", PrefixBlockHasher.HashPrompt(seed, tokens, 32)[..2]);

        var cached = index.CachedTokens(seed, tokens, [("sixteen", 16), ("thirty-two", 32), ("idle", 16)]);

        Assert.Equal(48, cached["sixteen"]);
        Assert.Equal(64, cached["thirty-two"]);
        Assert.False(cached.ContainsKey("idle"));
        // A worker's blocks are never credited in another size's hashing.
        Assert.Empty(index.CachedTokens(seed, tokens, [("thirty-two", 16)]));
    }

    [Fact]
    public void Removed_blocks_and_cleared_or_replaced_workers_stop_counting()
    {
        var index = new PrefixIndex();
        index.Stored("a", Prompt);
        index.Stored("b", Prompt);

        index.Removed("a", [Prompt[2]]);
        index.Cleared("b");
        Assert.Equal(2, index.MatchedPrefixBlocks(Prompt)["a"]);
        Assert.False(index.MatchedPrefixBlocks(Prompt).ContainsKey("b"));

        index.Replace("a", Prompt[..1]);
        Assert.Equal(1, index.MatchedPrefixBlocks(Prompt)["a"]);
        Assert.Equal(1, index.Count);

        index.Cleared("a");
        Assert.Empty(index.MatchedPrefixBlocks(Prompt));
        Assert.Equal(0, index.Count);
    }
}
