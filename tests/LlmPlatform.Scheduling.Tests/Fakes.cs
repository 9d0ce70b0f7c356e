using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Scheduling.Tests;

internal static class Fakes
{
    public const int Eos = 2;

    public static readonly PrefixHashSeed Seed = new("model", "tenant-a");

    public static Sequence Sequence(
        long id, int[] prompt, int maxTokens = 16, int priority = 0, PrefixHashSeed? seed = null) =>
        new(id, prompt, new SamplingParams(temperature: 0, maxTokens: maxTokens), seed ?? Seed, priority);

    /// <summary>Distinct-looking tokens from a seed, never the eos id.</summary>
    public static int[] Tokens(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(10, 1000)).ToArray();
    }

    /// <summary>Runs steps with <paramref name="model"/> until nothing is left; returns each sequence's output.</summary>
    public static Dictionary<long, int[]> RunToCompletion(Scheduler scheduler, FakeModel model, IReadOnlyList<Sequence> sequences)
    {
        for (var step = 0; scheduler.HasUnfinished; step++)
        {
            Assert.True(step < 100_000, "The workload did not finish.");
            var batch = scheduler.Schedule();
            Assert.False(batch.IsEmpty, "A step with unfinished sequences scheduled nothing.");
            scheduler.Postprocess(batch, model.Run(batch));
        }
        return sequences.ToDictionary(s => s.Id, s => s.OutputTokenIds.ToArray());
    }
}

/// <summary>
/// A stand-in for the model that keeps, as the "KV" of each slot, the token written there, and samples greedily from
/// the context it reads back through the block table. A wrong block table, a block reused while still needed or a
/// cached block with the wrong content changes its output, and fails its checks at once.
/// </summary>
internal sealed class FakeModel(BlockManager blocks, int vocabulary = 997)
{
    private readonly int[] _kv = Enumerable.Repeat(-1, blocks.NumBlocks * blocks.BlockSize).ToArray();

    public int[] Run(ScheduledBatch batch)
    {
        var sampled = new List<int>();
        foreach (var item in batch.Sequences)
        {
            var sequence = item.Sequence;
            for (var position = item.StartPosition; position < item.StartPosition + item.NumNewTokens; position++)
            {
                var block = sequence.BlockTable[position / blocks.BlockSize];
                Assert.Equal(1, blocks.RefCount(block));
                Assert.Null(blocks.HashOf(block));
                _kv[Slot(sequence, position)] = sequence.TokenIds[position];
            }
            var end = item.StartPosition + item.NumNewTokens;
            var context = new int[end];
            for (var position = 0; position < end; position++)
            {
                context[position] = _kv[Slot(sequence, position)];
                if (context[position] != sequence.TokenIds[position])
                    Assert.Fail($"Sequence {sequence.Id} reads token {context[position]} at position {position}, not {sequence.TokenIds[position]}.");
            }
            if (item.SamplesToken)
                sampled.Add(NextToken(context));
        }
        return [.. sampled];
    }

    private int Slot(Sequence sequence, int position) =>
        sequence.BlockTable[position / blocks.BlockSize] * blocks.BlockSize + position % blocks.BlockSize;

    // Greedy and deterministic in the whole context, as a real model's argmax is; never the eos id.
    private int NextToken(int[] context)
    {
        var hash = 17L;
        foreach (var token in context)
            hash = (hash * 31 + token) % 1_000_000_007;
        return 10 + (int)(hash % vocabulary);
    }
}
