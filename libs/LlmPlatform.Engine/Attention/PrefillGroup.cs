using static TorchSharp.torch;

namespace LlmPlatform.Engine.Attention;

/// <summary>
/// Prefill chunks of one step attended together in one padded SDPA call per layer: each chunk's queries padded to the
/// group's longest chunk, its block table to the longest table, and a mask that keeps every query to its own causal
/// context. Laid out once per step for all layers. Attending chunk by chunk cost a gather, a mask and a dozen small
/// libtorch calls per chunk and layer; on a GPU each call waits on the host, so a step prefilling 256 prompts made
/// ~150,000 of them (docs/benchmarks.md, "The engine on a GPU").
/// </summary>
public sealed class PrefillGroup : IDisposable
{
    /// <summary>
    /// A group grows while its padded queries and padded block tables stay within this factor of the real ones: the
    /// padding costs attention work, and a group saves a dozen libtorch calls per chunk and layer.
    /// </summary>
    public const double MaxPaddingFactor = 1.5;

    /// <summary>
    /// At most this many (query, context position) pairs per group, padding included, so that the mask (one byte per
    /// pair and query head of a KV head) stays small. A single chunk over it still forms a group of its own.
    /// </summary>
    public const long MaxScorePairs = 8L << 20;

    private PrefillGroup(IReadOnlyList<SequenceSlice> sequences, int maxQueries, int maxBlocks, Tensor queryRows, Tensor? validPositions, Tensor targetRows, Tensor blockTables, Tensor mask)
    {
        Sequences = sequences;
        MaxQueries = maxQueries;
        MaxBlocks = maxBlocks;
        QueryRows = queryRows;
        ValidPositions = validPositions;
        TargetRows = targetRows;
        BlockTables = blockTables;
        Mask = mask;
    }

    public IReadOnlyList<SequenceSlice> Sequences { get; }

    public int Count => Sequences.Count;

    public int MaxQueries { get; }

    public int MaxBlocks { get; }

    /// <summary>
    /// [Count × MaxQueries]: for each padded query, its row in the step's flattened tokens. A padding query repeats its
    /// chunk's last row, so that it attends to a real context (an all-masked row would give NaN) and is then dropped.
    /// </summary>
    public Tensor QueryRows { get; }

    /// <summary>The padded positions that are real queries, in step order; null when no chunk is padded.</summary>
    public Tensor? ValidPositions { get; }

    /// <summary>The step rows of the real queries, in the order of <see cref="ValidPositions"/>.</summary>
    public Tensor TargetRows { get; }

    /// <summary>Block tables, row-major [Count × MaxBlocks], padded with block 0 (masked out).</summary>
    public Tensor BlockTables { get; }

    /// <summary>
    /// [Count, 1, queryHeadsPerKvHead × MaxQueries, MaxBlocks × blockSize]: true where the query may see the position,
    /// for queries laid out head-major under their KV head, as the layer groups them.
    /// </summary>
    public Tensor Mask { get; }

    /// <summary>
    /// Splits a step's prefill chunks into groups whose padding stays within <see cref="MaxPaddingFactor"/> and
    /// <see cref="MaxScorePairs"/>: chunks of similar length, longest first.
    /// </summary>
    public static IReadOnlyList<PrefillGroup> Partition(IEnumerable<SequenceSlice> chunks, int blockSize, int queryHeadsPerKvHead, Device device)
    {
        var groups = new List<PrefillGroup>();
        var members = new List<SequenceSlice>();
        var (queries, blocks) = (0L, 0L);
        foreach (var chunk in chunks.OrderByDescending(c => c.QueryLength).ThenByDescending(c => c.ContextLength))
        {
            if (members.Count > 0)
            {
                var count = members.Count + 1;
                var maxQueries = members[0].QueryLength;
                var maxBlocks = Math.Max(members.Max(m => m.BlockTable.Length), chunk.BlockTable.Length);
                var fits = count * maxQueries <= MaxPaddingFactor * (queries + chunk.QueryLength)
                    && count * maxBlocks <= MaxPaddingFactor * (blocks + chunk.BlockTable.Length)
                    && (long)count * maxQueries * maxBlocks * blockSize <= MaxScorePairs;
                if (!fits)
                {
                    groups.Add(Create(members, blockSize, queryHeadsPerKvHead, device));
                    (members, queries, blocks) = ([], 0, 0);
                }
            }

            members.Add(chunk);
            queries += chunk.QueryLength;
            blocks += chunk.BlockTable.Length;
        }

        if (members.Count > 0)
        {
            groups.Add(Create(members, blockSize, queryHeadsPerKvHead, device));
        }

        return groups;
    }

    private static PrefillGroup Create(IReadOnlyList<SequenceSlice> chunks, int blockSize, int queryHeadsPerKvHead, Device device)
    {
        var maxQueries = chunks.Max(c => c.QueryLength);
        var maxBlocks = chunks.Max(c => c.BlockTable.Length);
        var queryRows = new long[chunks.Count * maxQueries];
        var visibleUpTo = new long[chunks.Count * maxQueries];
        var tables = new long[chunks.Count * maxBlocks];
        var validPositions = new List<long>();
        var targetRows = new List<long>();
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i];
            var earlier = chunk.ContextLength - chunk.QueryLength;
            for (var j = 0; j < maxQueries; j++)
            {
                var query = Math.Min(j, chunk.QueryLength - 1);
                queryRows[i * maxQueries + j] = chunk.QueryStart + query;
                visibleUpTo[i * maxQueries + j] = earlier + query;
                if (j < chunk.QueryLength)
                {
                    validPositions.Add(i * maxQueries + j);
                    targetRows.Add(chunk.QueryStart + j);
                }
            }

            chunk.BlockTable.CopyTo(tables, i * maxBlocks);
        }

        using var scope = NewDisposeScope();
        var positions = arange(maxBlocks * blockSize, ScalarType.Int64, device).view(1, 1, 1, -1);
        var mask = (positions <= tensor(visibleUpTo, device: device).view(chunks.Count, 1, maxQueries, 1)).repeat(1, 1, queryHeadsPerKvHead, 1);
        var padded = validPositions.Count < queryRows.Length;
        return new PrefillGroup(
            chunks,
            maxQueries,
            maxBlocks,
            tensor(queryRows, device: device).DetachFromDisposeScope(),
            padded ? tensor(validPositions.ToArray(), device: device).DetachFromDisposeScope() : null,
            tensor(targetRows.ToArray(), device: device).DetachFromDisposeScope(),
            tensor(tables, device: device).DetachFromDisposeScope(),
            mask.DetachFromDisposeScope());
    }

    public void Dispose()
    {
        QueryRows.Dispose();
        ValidPositions?.Dispose();
        TargetRows.Dispose();
        BlockTables.Dispose();
        Mask.Dispose();
    }
}
