using LlmPlatform.Engine.Attention;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>How a step's prefill chunks are grouped for one padded SDPA call each, and the layout of a group.</summary>
public sealed class PrefillGroupTests
{
    private const int BlockSize = 16;

    [Fact]
    public void Chunks_of_one_length_form_one_group_without_padding()
    {
        var chunks = Enumerable.Range(0, 256).Select(i => Chunk(i * 32, 32, 32)).ToList();

        var groups = Partition(chunks, queryHeadsPerKvHead: 3);

        var group = Assert.Single(groups);
        Assert.Equal((256, 32, 2), (group.Count, group.MaxQueries, group.MaxBlocks));
        Assert.Null(group.ValidPositions);
        Assert.Equal(Enumerable.Range(0, 256 * 32).Select(i => (long)i), group.TargetRows.data<long>().ToArray());
        Dispose(groups);
    }

    [Fact]
    public void A_long_chunk_is_not_padded_onto_short_ones()
    {
        var chunks = new[] { Chunk(0, 30, 30), Chunk(30, 400, 400), Chunk(430, 28, 60) };

        var groups = Partition(chunks, queryHeadsPerKvHead: 3);

        Assert.Equal([[400], [30, 28]], groups.Select(g => g.Sequences.Select(s => s.QueryLength).ToArray()).ToArray());
        Dispose(groups);
    }

    [Fact]
    public void A_group_stops_growing_at_its_score_pair_limit()
    {
        // Equal chunks, so only the limit on (query, position) pairs splits them.
        var queries = 1024;
        var perChunk = (long)queries * queries;
        var chunks = Enumerable.Range(0, 20).Select(i => Chunk(i * queries, queries, queries)).ToList();

        var groups = Partition(chunks, queryHeadsPerKvHead: 1);

        Assert.All(groups, g => Assert.True(g.Count * perChunk <= PrefillGroup.MaxScorePairs));
        Assert.Equal(20, groups.Sum(g => g.Count));
        Assert.Equal((int)Math.Ceiling(20.0 / (PrefillGroup.MaxScorePairs / perChunk)), groups.Count);
        Dispose(groups);
    }

    [Fact]
    public void Padding_queries_repeat_their_last_row_and_are_dropped_from_the_output()
    {
        // Rows 0-2: a 3-token chunk after 17 cached tokens (two blocks); rows 3-4: a new 2-token sequence.
        var chunks = new[] { Chunk(0, 3, 20), Chunk(3, 2, 2) };

        var group = Assert.Single(Partition(chunks, queryHeadsPerKvHead: 2));

        Assert.Equal([0L, 1, 2, 3, 4, 4], group.QueryRows.data<long>().ToArray());
        Assert.Equal([0L, 1, 2, 3, 4], group.ValidPositions!.data<long>().ToArray());
        Assert.Equal([0L, 1, 2, 3, 4], group.TargetRows.data<long>().ToArray());
        Assert.Equal([1L, 2, 4, 0], group.BlockTables.data<long>().ToArray());
        group.Dispose();
    }

    [Fact]
    public void The_mask_keeps_each_query_to_its_causal_context_for_every_head_of_its_group()
    {
        var chunks = new[] { Chunk(0, 3, 20), Chunk(3, 2, 2) };

        var group = Assert.Single(Partition(chunks, queryHeadsPerKvHead: 2));

        Assert.Equal(new long[] { 2, 1, 6, 32 }, group.Mask.shape);
        var mask = group.Mask.data<bool>().ToArray();
        for (var chunk = 0; chunk < 2; chunk++)
        {
            for (var head = 0; head < 2; head++)
            {
                for (var query = 0; query < 3; query++)
                {
                    // The first chunk's queries sit at positions 17-19; the second's at 0-1, its padding query repeating 1.
                    var lastVisible = chunk == 0 ? 17 + query : Math.Min(query, 1);
                    for (var position = 0; position < 32; position++)
                    {
                        var visible = mask[((chunk * 6) + (head * 3) + query) * 32 + position];
                        Assert.True(visible == position <= lastVisible, $"chunk {chunk}, head {head}, query {query}, position {position}");
                    }
                }
            }
        }

        group.Dispose();
    }

    /// <summary>A chunk at rows [start, start + queries) whose context, new tokens included, is <paramref name="context"/> tokens.</summary>
    private static SequenceSlice Chunk(int start, int queries, int context)
    {
        var blocks = (context + BlockSize - 1) / BlockSize;
        return new SequenceSlice(start, queries, context, Enumerable.Range(start + 1, blocks).Select(b => (long)b).ToArray());
    }

    private static IReadOnlyList<PrefillGroup> Partition(IEnumerable<SequenceSlice> chunks, int queryHeadsPerKvHead) =>
        PrefillGroup.Partition(chunks, BlockSize, queryHeadsPerKvHead, CPU);

    private static void Dispose(IEnumerable<PrefillGroup> groups)
    {
        foreach (var group in groups)
        {
            group.Dispose();
        }
    }
}
