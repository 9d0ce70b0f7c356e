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
