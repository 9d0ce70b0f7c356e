using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Scheduling.Tests;

/// <summary>
/// Thousands of steps of arrivals (sharing prefixes, across two tenants, some with n &gt; 1), aborts, stop-string
/// finishes and completions on a pool small enough to preempt, with the block accounting checked after every step.
/// </summary>
public sealed class RandomWorkloadTests
{
    private const int BlockSize = 4;
    private const int NumBlocks = 40;
    private const int MaxNumSeqs = 6;
    private const int Budget = 24;
    private const int MaxModelLen = 96;

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    public void Block_accounting_holds_every_step_and_nothing_leaks(int seed, bool caching)
    {
        var random = new Random(seed);
        var scheduler = new Scheduler(
            new SchedulerOptions(NumBlocks, MaxModelLen, BlockSize, MaxNumSeqs, Budget, caching), [Fakes.Eos]);
        var model = new FakeModel(scheduler.BlockManager);
        var tenants = new[] { new PrefixHashSeed("model", "tenant-a"), new PrefixHashSeed("model", "tenant-b") };
        var prefixes = Enumerable.Range(0, 4).Select(i => Fakes.Tokens(100 + i, random.Next(0, 40))).ToArray();
        var sequences = new List<Sequence>();
        var index = new HashSet<BlockHash>();
        long nextId = 0;

        for (var step = 0; step < 3000 || scheduler.HasUnfinished; step++)
        {
            Assert.True(step < 20_000, "The workload did not drain.");
            if (step < 3000 && random.NextDouble() < 0.2)
            {
                var prompt = prefixes[random.Next(prefixes.Length)].Concat(Fakes.Tokens(random.Next(), random.Next(1, 30)));
                var sequence = new Sequence(
                    nextId++, prompt.Take(MaxModelLen).ToArray(), new SamplingParams(maxTokens: random.Next(1, 30)),
                    tenants[random.Next(tenants.Length)], priority: random.Next(3));
                scheduler.Add(sequence);
                sequences.Add(sequence);
                if (random.NextDouble() < 0.2)
                {
                    var sibling = sequence.CreateSibling(nextId++);
                    scheduler.Add(sibling);
                    sequences.Add(sibling);
                }
            }
            if (random.NextDouble() < 0.04)
                EndOne(scheduler, sequences, random, FinishReason.Abort);

            var batch = scheduler.Schedule();
            CheckBatch(scheduler, batch);
            CheckBlocks(scheduler, sequences);
            scheduler.Postprocess(batch, model.Run(batch));
            if (random.NextDouble() < 0.03)
                EndOne(scheduler, sequences, random, FinishReason.Stop);
            if (random.NextDouble() < 0.01)
                scheduler.BlockManager.ResetPrefixCache();
            CheckBlocks(scheduler, sequences);
            sequences.RemoveAll(s => s.IsFinished);
            Replay(scheduler.BlockManager.DrainEvents(), index);
            Assert.True(index.SetEquals(scheduler.BlockManager.CachedBlockHashes), "KV events disagree with the cache.");
        }

        Assert.Equal(0, scheduler.BlockManager.NumUsedBlocks);
        Assert.Equal(NumBlocks, scheduler.BlockManager.NumFreeBlocks);
        Assert.All(Enumerable.Range(0, NumBlocks), id => Assert.Equal(0, scheduler.BlockManager.RefCount(id)));
        Assert.True(scheduler.NumPreemptions > 0, "The pool was meant to be small enough to preempt.");
        if (caching)
            Assert.True(scheduler.BlockManager.PrefixCacheHitTokens > 0);
    }

    private static void EndOne(Scheduler scheduler, List<Sequence> sequences, Random random, FinishReason reason)
    {
        var live = sequences.Where(s => !s.IsFinished).ToList();
        if (live.Count > 0)
            Assert.True(scheduler.Finish(live[random.Next(live.Count)].Id, reason));
    }

    private static void CheckBatch(Scheduler scheduler, ScheduledBatch batch)
    {
        Assert.True(batch.NumBatchedTokens <= Budget);
        Assert.True(batch.Sequences.Count <= MaxNumSeqs);
        Assert.True(scheduler.NumRunning <= MaxNumSeqs);
        Assert.Equal(batch.Sequences.Count, batch.Sequences.Select(s => s.Sequence).Distinct().Count());
        foreach (var item in batch.Sequences)
        {
            Assert.Equal(SequenceStatus.Running, item.Sequence.Status);
            Assert.True(item.NumNewTokens >= 1);
            Assert.True(item.Sequence.BlockTable.Count * BlockSize >= item.StartPosition + item.NumNewTokens);
        }
        Assert.All(batch.Preempted, s => Assert.Empty(s.BlockTable));
    }

    // Finished sequences are checked here once (no blocks), then dropped: a block one of them leaked would show up
    // as a reference count that no sequence accounts for.
    private static void CheckBlocks(Scheduler scheduler, List<Sequence> sequences)
    {
        var manager = scheduler.BlockManager;
        var references = new int[NumBlocks];
        foreach (var sequence in sequences)
        {
            if (sequence.Status != SequenceStatus.Running)
                Assert.Empty(sequence.BlockTable);
            foreach (var id in sequence.BlockTable)
                references[id]++;
        }
        for (var id = 0; id < NumBlocks; id++)
        {
            Assert.Equal(references[id], manager.RefCount(id));
            Assert.Equal(references[id] == 0, manager.IsFree(id));
        }
        Assert.Equal(references.Count(r => r > 0), manager.NumUsedBlocks);
        Assert.Equal(NumBlocks, manager.NumUsedBlocks + manager.NumFreeBlocks);
        var hashes = Enumerable.Range(0, NumBlocks).Select(manager.HashOf).OfType<BlockHash>().ToList();
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
        Assert.True(hashes.ToHashSet().SetEquals(manager.CachedBlockHashes));
    }

    private static void Replay(IReadOnlyList<KvCacheEvent> events, HashSet<BlockHash> index)
    {
        foreach (var kvEvent in events)
        {
            switch (kvEvent)
            {
                case BlockStored stored:
                    Assert.All(stored.Hashes, hash => Assert.True(index.Add(hash), "A hash was stored twice."));
                    break;
                case BlockRemoved removed:
                    Assert.All(removed.Hashes, hash => Assert.True(index.Remove(hash), "An unknown hash was removed."));
                    break;
                case AllBlocksCleared:
                    index.Clear();
                    break;
            }
        }
    }
}
