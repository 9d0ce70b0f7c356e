using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Scheduling.Tests;

public sealed class BlockManagerTests
{
    private const int B = 4;

    [Fact]
    public void Allocating_and_freeing_returns_every_block()
    {
        var manager = new BlockManager(numBlocks: 8, blockSize: B);
        var sequence = Fakes.Sequence(1, Fakes.Tokens(1, 10));

        Assert.True(manager.TryAllocateSlots(sequence, 10));
        Assert.Equal(3, sequence.BlockTable.Count);
        Assert.Equal(3, manager.NumUsedBlocks);
        Assert.Equal(3.0 / 8, manager.Usage);

        manager.Free(sequence);

        Assert.Empty(sequence.BlockTable);
        Assert.Equal(0, manager.NumUsedBlocks);
        Assert.Equal(8, manager.NumFreeBlocks);
    }

    [Fact]
    public void Slots_for_more_tokens_take_a_new_block_only_when_the_last_one_is_full()
    {
        var manager = new BlockManager(numBlocks: 8, blockSize: B);
        var sequence = Fakes.Sequence(1, Fakes.Tokens(1, 6));
        Compute(manager, sequence, 6);

        Assert.True(manager.TryAllocateSlots(sequence, 2));
        Assert.Equal(2, sequence.BlockTable.Count);
        Assert.True(manager.TryAllocateSlots(sequence, 3));
        Assert.Equal(3, sequence.BlockTable.Count);
    }

    [Fact]
    public void Allocation_that_does_not_fit_fails_and_changes_nothing()
    {
        var manager = new BlockManager(numBlocks: 2, blockSize: B);
        var sequence = Fakes.Sequence(1, Fakes.Tokens(1, 9));

        Assert.False(manager.TryAllocateSlots(sequence, 9));

        Assert.Empty(sequence.BlockTable);
        Assert.Equal(2, manager.NumFreeBlocks);
    }

    [Fact]
    public void A_second_sequence_with_the_same_prompt_shares_the_cached_full_blocks()
    {
        var manager = new BlockManager(numBlocks: 16, blockSize: B);
        var prompt = Fakes.Tokens(1, 10);
        var first = Fakes.Sequence(1, prompt);
        Compute(manager, first, 10);
        var second = Fakes.Sequence(2, prompt);

        var prefix = manager.FindCachedPrefix(second);
        Assert.True(manager.TryAllocateSlots(second, 10 - prefix.NumTokens, prefix));

        Assert.Equal(8, prefix.NumTokens);
        Assert.Equal(first.BlockTable.Take(2), second.BlockTable.Take(2));
        Assert.NotEqual(first.BlockTable[2], second.BlockTable[2]);
        Assert.Equal(2, manager.RefCount(first.BlockTable[0]));
        Assert.Equal(1, manager.RefCount(first.BlockTable[2]));
    }

    [Theory]
    [InlineData(8, 4)]
    [InlineData(9, 8)]
    [InlineData(12, 8)]
    [InlineData(13, 12)]
    [InlineData(1, 0)]
    public void The_cache_never_serves_the_last_token_so_it_is_computed_for_logits(int promptLength, int expectedCached)
    {
        var manager = new BlockManager(numBlocks: 16, blockSize: B);
        var prompt = Fakes.Tokens(1, promptLength);
        Compute(manager, Fakes.Sequence(1, prompt), promptLength);

        Assert.Equal(expectedCached, manager.FindCachedPrefix(Fakes.Sequence(2, prompt)).NumTokens);
    }

    [Fact]
    public void The_longest_cached_prefix_stops_at_the_first_differing_block()
    {
        var manager = new BlockManager(numBlocks: 16, blockSize: B);
        var prompt = Fakes.Tokens(1, 16);
        Compute(manager, Fakes.Sequence(1, prompt), 16);
        var other = (int[])prompt.Clone();
        other[9]++;

        Assert.Equal(8, manager.FindCachedPrefix(Fakes.Sequence(2, other)).NumTokens);
    }

    [Theory]
    [InlineData("other-model", "tenant-a", null)]
    [InlineData("model", "tenant-b", null)]
    [InlineData("model", "tenant-a", "adapter")]
    public void Another_model_cache_salt_or_adapter_gets_no_reuse(string model, string salt, string? adapter)
    {
        var manager = new BlockManager(numBlocks: 16, blockSize: B);
        var prompt = Fakes.Tokens(1, 16);
        Compute(manager, Fakes.Sequence(1, prompt), 16);

        var other = Fakes.Sequence(2, prompt, seed: new PrefixHashSeed(model, salt, adapter));

        Assert.Same(CachedPrefix.None, manager.FindCachedPrefix(other));
    }

    [Fact]
    public void Same_tokens_with_another_image_reuse_only_the_blocks_before_the_image()
    {
        var manager = new BlockManager(numBlocks: 16, blockSize: B);
        var prompt = Fakes.Tokens(1, 16);
        Sequence WithImage(long id, byte content) => new(
            id, prompt, new SamplingParams(), Fakes.Seed, images: [new ImagePlaceholder(9, 3, new byte[] { content })]);
        Compute(manager, WithImage(1, 1), 16);

        Assert.Equal(8, manager.FindCachedPrefix(WithImage(2, 2)).NumTokens);
        Assert.Equal(12, manager.FindCachedPrefix(WithImage(3, 1)).NumTokens);
    }

    [Fact]
    public void Freed_cached_blocks_stay_reusable_until_evicted()
    {
        var manager = new BlockManager(numBlocks: 8, blockSize: B);
        var prompt = Fakes.Tokens(1, 12);
        var first = Fakes.Sequence(1, prompt);
        Compute(manager, first, 12);
        var blocks = first.BlockTable.ToArray();

        manager.Free(first);
        var second = Fakes.Sequence(2, prompt);
        var prefix = manager.FindCachedPrefix(second);
        Assert.True(manager.TryAllocateSlots(second, 4, prefix));

        Assert.Equal(0, manager.NumUsedBlocks - second.BlockTable.Count);
        Assert.Equal(blocks.Take(2), second.BlockTable.Take(2));
        Assert.Equal(3, manager.NumCachedBlocks);
    }

    [Fact]
    public void A_freed_block_without_a_hash_is_reused_before_any_cached_block_is_evicted()
    {
        var manager = new BlockManager(numBlocks: 3, blockSize: B);
        var cached = Fakes.Sequence(1, Fakes.Tokens(1, 8));
        Compute(manager, cached, 8);
        manager.Free(cached);
        var partial = Fakes.Sequence(2, Fakes.Tokens(2, 3));
        Compute(manager, partial, 3);
        manager.Free(partial);

        Assert.True(manager.TryAllocateSlots(Fakes.Sequence(3, Fakes.Tokens(3, 4)), 4));

        Assert.Equal(2, manager.NumCachedBlocks);
        Assert.Empty(manager.DrainEvents().OfType<BlockRemoved>());
    }

    [Fact]
    public void Eviction_takes_least_recently_freed_blocks_and_a_requests_last_blocks_first()
    {
        var manager = new BlockManager(numBlocks: 6, blockSize: B);
        var older = Fakes.Sequence(1, Fakes.Tokens(1, 8));
        var newer = Fakes.Sequence(2, Fakes.Tokens(2, 12));
        Compute(manager, older, 8);
        Compute(manager, newer, 12);
        var olderHashes = older.BlockTable.Select(id => manager.HashOf(id)!.Value).ToArray();
        var newerHashes = newer.BlockTable.Select(id => manager.HashOf(id)!.Value).ToArray();
        manager.Free(older);
        manager.Free(newer);
        manager.DrainEvents();

        // The pool's one never-used block goes first, then the cached ones in LRU order.
        var evictions = new List<BlockHash>();
        for (var i = 0; i < 6; i++)
        {
            Assert.True(manager.TryAllocateSlots(Fakes.Sequence(10 + i, Fakes.Tokens(10 + i, 4)), 4));
            evictions.AddRange(manager.DrainEvents().OfType<BlockRemoved>().SelectMany(e => e.Hashes));
        }

        BlockHash[] expected = [olderHashes[1], olderHashes[0], newerHashes[2], newerHashes[1], newerHashes[0]];
        Assert.Equal(expected, evictions);
    }

    [Fact]
    public void Kv_events_report_exactly_the_blocks_stored_and_removed()
    {
        var manager = new BlockManager(numBlocks: 3, blockSize: B);
        var first = Fakes.Sequence(1, Fakes.Tokens(1, 10));
        Assert.True(manager.TryAllocateSlots(first, 10));
        Assert.Empty(manager.DrainEvents());

        first.NumComputedTokens = 5;
        manager.CacheFullBlocks(first);
        first.NumComputedTokens = 10;
        manager.CacheFullBlocks(first);
        manager.CacheFullBlocks(first);
        var stored = manager.DrainEvents();

        var hashes = first.BlockTable.Take(2).Select(id => manager.HashOf(id)!.Value).ToArray();
        Assert.Collection(stored,
            e => Assert.Equal([hashes[0]], Assert.IsType<BlockStored>(e).Hashes),
            e => Assert.Equal([hashes[1]], Assert.IsType<BlockStored>(e).Hashes));

        manager.Free(first);
        Assert.True(manager.TryAllocateSlots(Fakes.Sequence(2, Fakes.Tokens(2, 12)), 12));

        var removed = Assert.IsType<BlockRemoved>(Assert.Single(manager.DrainEvents()));
        Assert.Equal([hashes[1], hashes[0]], removed.Hashes);
        Assert.Empty(manager.CachedBlockHashes);
    }

    [Fact]
    public void Two_identical_prompts_computed_at_once_cache_one_copy()
    {
        var manager = new BlockManager(numBlocks: 8, blockSize: B);
        var prompt = Fakes.Tokens(1, 8);
        var first = Fakes.Sequence(1, prompt);
        var second = Fakes.Sequence(2, prompt);
        Assert.True(manager.TryAllocateSlots(first, 8));
        Assert.True(manager.TryAllocateSlots(second, 8));

        first.NumComputedTokens = second.NumComputedTokens = 8;
        manager.CacheFullBlocks(first);
        manager.CacheFullBlocks(second);

        Assert.Equal(2, manager.NumCachedBlocks);
        Assert.Equal(2, manager.DrainEvents().OfType<BlockStored>().Sum(e => e.Hashes.Count));
        Assert.All(second.BlockTable, id => Assert.Null(manager.HashOf(id)));
    }

    [Fact]
    public void Reset_prefix_cache_is_refused_while_blocks_are_in_use_then_clears_every_hash()
    {
        var manager = new BlockManager(numBlocks: 8, blockSize: B);
        var prompt = Fakes.Tokens(1, 9);
        var sequence = Fakes.Sequence(1, prompt);
        Compute(manager, sequence, 9);
        manager.DrainEvents();

        Assert.False(manager.ResetPrefixCache());
        manager.Free(sequence);
        Assert.True(manager.ResetPrefixCache());

        Assert.Equal(0, manager.NumCachedBlocks);
        Assert.IsType<AllBlocksCleared>(Assert.Single(manager.DrainEvents()));
        Assert.Same(CachedPrefix.None, manager.FindCachedPrefix(Fakes.Sequence(2, prompt)));
    }

    [Fact]
    public void Without_prefix_caching_nothing_is_hashed_reused_or_reported()
    {
        var manager = new BlockManager(numBlocks: 8, blockSize: B, enablePrefixCaching: false);
        var prompt = Fakes.Tokens(1, 9);
        Compute(manager, Fakes.Sequence(1, prompt), 9);

        Assert.Equal(0, manager.NumCachedBlocks);
        Assert.Empty(manager.DrainEvents());
        Assert.Same(CachedPrefix.None, manager.FindCachedPrefix(Fakes.Sequence(2, prompt)));
        Assert.Equal(0, manager.PrefixCacheQueriedTokens);
    }

    [Fact]
    public void Prefix_cache_counters_count_looked_up_and_hit_tokens_of_admitted_sequences()
    {
        var manager = new BlockManager(numBlocks: 8, blockSize: B);
        var prompt = Fakes.Tokens(1, 9);
        Compute(manager, Fakes.Sequence(1, prompt), 9);
        var second = Fakes.Sequence(2, prompt);
        var prefix = manager.FindCachedPrefix(second);
        Assert.True(manager.TryAllocateSlots(second, 1, prefix));

        Assert.Equal(18, manager.PrefixCacheQueriedTokens);
        Assert.Equal(8, manager.PrefixCacheHitTokens);
    }

    // Allocates and "computes" the sequence's first tokens as a step would, caching its full blocks.
    private static void Compute(BlockManager manager, Sequence sequence, int numTokens)
    {
        var prefix = manager.FindCachedPrefix(sequence);
        Assert.True(manager.TryAllocateSlots(sequence, numTokens - prefix.NumTokens, prefix));
        sequence.NumComputedTokens = numTokens;
        manager.CacheFullBlocks(sequence);
    }
}
