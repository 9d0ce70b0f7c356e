using static TorchSharp.torch;

namespace LlmPlatform.Engine.Attention;

/// <summary>
/// One sequence's part of a step: its new tokens are rows [QueryStart, QueryStart + QueryLength) of the step's
/// flattened input; its context (cached tokens plus the new ones) is ContextLength tokens long and lives in the
/// blocks of its block table, in order. Plain arrays, so that a step is described once, on the host, whatever device
/// computes it.
/// </summary>
public sealed record SequenceSlice(int QueryStart, int QueryLength, int ContextLength, long[] BlockTable);

/// <summary>
/// The attention metadata of one forward step over several sequences (prefill chunks and decodes together):
/// where each new token's K/V goes in the paged cache, and each sequence's slice. Its tensors are made on the device
/// the model computes on.
/// </summary>
public sealed class AttentionBatch : IDisposable
{
    public AttentionBatch(long[] slotMapping, IReadOnlyList<SequenceSlice> sequences, Device device)
    {
        SlotMapping = tensor(slotMapping, device: device);
        Sequences = sequences;
        Decodes = DecodeGroup.From(sequences, device);
        HasPrefills = sequences.Any(s => s.QueryLength > 1);
    }

    /// <summary>For every new token, its slot in the cache: block id × block size + offset in the block (int64).</summary>
    public Tensor SlotMapping { get; }

    public IReadOnlyList<SequenceSlice> Sequences { get; }

    /// <summary>Whether any sequence has several new tokens (a prefill chunk); the model groups those (<see cref="PrefillGroup"/>).</summary>
    public bool HasPrefills { get; }

    /// <summary>The sequences with one new token each, attended together in one call per layer; null when none.</summary>
    public DecodeGroup? Decodes { get; }

    public void Dispose()
    {
        SlotMapping.Dispose();
        Decodes?.Dispose();
    }
}

/// <summary>
/// Every single-token (decode) sequence of a step, laid out once per step for all layers: their rows in the step,
/// their block tables padded to the longest (with block 0, masked out), and which padded positions are real context.
/// One padded attention call over them replaces one call per sequence, the dominant cost of a batched decode step.
/// </summary>
public sealed class DecodeGroup : IDisposable
{
    private readonly Tensor contextLengths;
    private Tensor? mask;

    private DecodeGroup(Tensor rows, Tensor blockTables, int maxBlocks, Tensor contextLengths, IReadOnlyList<long[]> tables, IReadOnlyList<int> lengths)
    {
        Rows = rows;
        BlockTables = blockTables;
        MaxBlocks = maxBlocks;
        this.contextLengths = contextLengths;
        Tables = tables;
        ContextLengths = lengths;
    }

    /// <summary>The decode sequences' rows in the step's flattened tokens [decodes].</summary>
    public Tensor Rows { get; }

    /// <summary>Block tables, row-major [decodes × MaxBlocks], padded with block 0.</summary>
    public Tensor BlockTables { get; }

    public int MaxBlocks { get; }

    /// <summary>Each sequence's block table, unpadded, for kernels that walk it on the CPU.</summary>
    public IReadOnlyList<long[]> Tables { get; }

    /// <summary>Each sequence's context length, its new token included.</summary>
    public IReadOnlyList<int> ContextLengths { get; }

    public int Count => (int)Rows.shape[0];

    /// <summary>
    /// [decodes, 1, 1, MaxBlocks × blockSize]: true where the position holds the sequence's context. Built by the first
    /// layer and kept (outside that layer's dispose scope) for the others; disposed with the group.
    /// </summary>
    public Tensor Mask(int blockSize) =>
        mask ??= (arange(MaxBlocks * blockSize, ScalarType.Int64, contextLengths.device).view(1, 1, 1, -1) < contextLengths).DetachFromDisposeScope();

    public static DecodeGroup? From(IReadOnlyList<SequenceSlice> sequences, Device device)
    {
        var decodes = sequences.Where(s => s.QueryLength == 1).ToList();
        if (decodes.Count == 0)
        {
            return null;
        }

        var tables = decodes.Select(d => d.BlockTable).ToList();
        var lengths = decodes.Select(d => d.ContextLength).ToArray();
        var maxBlocks = tables.Max(t => t.Length);
        var flat = new long[decodes.Count * maxBlocks];
        for (var i = 0; i < tables.Count; i++)
        {
            tables[i].CopyTo(flat, i * maxBlocks);
        }

        return new DecodeGroup(
            tensor(decodes.Select(d => (long)d.QueryStart).ToArray(), device: device),
            tensor(flat, device: device),
            maxBlocks,
            tensor(lengths.Select(l => (long)l).ToArray(), device: device).view(-1, 1, 1, 1),
            tables,
            lengths);
    }

    public void Dispose()
    {
        Rows.Dispose();
        BlockTables.Dispose();
        contextLengths.Dispose();
        mask?.Dispose();
    }
}
