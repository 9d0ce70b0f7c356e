using LlmPlatform.Bench.Statistics;

namespace LlmPlatform.Bench.Tests;

/// <summary>The ideal hit rate: one unbounded cache, whole leading blocks only, and only what was computed before a request was sent.</summary>
public sealed class IdealPrefixCacheTests
{
    private static readonly int[] Shared = [.. Enumerable.Range(100, 40)];

    [Fact]
    public void A_request_finds_the_whole_blocks_of_a_prefix_computed_before_it_was_sent()
    {
        var cached = IdealPrefixCache.CachedTokens(
        [
            new PromptAt("m", SentAt: 0, ComputedAt: 1, [.. Shared, 1, 2, 3]),
            new PromptAt("m", SentAt: 2, ComputedAt: 3, [.. Shared, 7, 8, 9, 10]),
        ], blockSize: 16);

        // 40 shared tokens: two whole blocks; the third block differs.
        Assert.Equal([0, 32], cached);
    }

    [Fact]
    public void A_prefix_still_being_prefilled_when_the_request_is_sent_does_not_count()
    {
        var cached = IdealPrefixCache.CachedTokens(
        [
            new PromptAt("m", SentAt: 0, ComputedAt: 5, [.. Shared, 1]),
            new PromptAt("m", SentAt: 2, ComputedAt: 3, [.. Shared, 2]),
            new PromptAt("m", SentAt: 6, ComputedAt: 7, [.. Shared, 3]),
        ], blockSize: 16);

        Assert.Equal([0, 0, 32], cached);
    }

    [Fact]
    public void The_last_token_is_always_computed_and_other_models_share_nothing()
    {
        int[] prompt = [.. Enumerable.Range(0, 48)];
        var cached = IdealPrefixCache.CachedTokens(
        [
            new PromptAt("m", 0, 1, prompt),
            new PromptAt("m", 2, 3, prompt),
            new PromptAt("adapter", 4, 5, prompt),
        ], blockSize: 16);

        // 48 tokens, all seen: the block holding the last token is recomputed, as a server does.
        Assert.Equal([0, 32, 0], cached);
    }

    [Fact]
    public void A_block_counts_only_after_a_cached_prefix()
    {
        int[] first = [.. Enumerable.Range(0, 32)];
        int[] secondBlockOnly = [.. Enumerable.Range(1000, 16), .. Enumerable.Range(16, 16), 5];
        var cached = IdealPrefixCache.CachedTokens([new PromptAt("m", 0, 1, first), new PromptAt("m", 2, 3, secondBlockOnly)], blockSize: 16);

        Assert.Equal(0, cached[1]);
        Assert.Equal(32.0 / 65, IdealPrefixCache.HitRate([new PromptAt("m", 0, 1, first), new PromptAt("m", 2, 3, [.. first, 1])], blockSize: 16)!.Value, 12);
    }
}
