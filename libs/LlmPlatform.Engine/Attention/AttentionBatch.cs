using static TorchSharp.torch;

namespace LlmPlatform.Engine.Attention;

/// <summary>
/// One sequence's part of a step: its new tokens are rows [QueryStart, QueryStart + QueryLength) of the step's
/// flattened input; its context (cached tokens plus the new ones) is ContextLength tokens long and lives in the
/// blocks of its block table, in order.
/// </summary>
public sealed record SequenceSlice(int QueryStart, int QueryLength, int ContextLength, Tensor BlockTable);

/// <summary>
/// The attention metadata of one forward step over several sequences (prefill chunks and decodes together):
/// where each new token's K/V goes in the paged cache, and each sequence's slice.
/// </summary>
public sealed class AttentionBatch(Tensor slotMapping, IReadOnlyList<SequenceSlice> sequences) : IDisposable
{
    /// <summary>For every new token, its slot in the cache: block id × block size + offset in the block (int64).</summary>
    public Tensor SlotMapping { get; } = slotMapping;

    public IReadOnlyList<SequenceSlice> Sequences { get; } = sequences;

    public void Dispose()
    {
        SlotMapping.Dispose();
        foreach (var sequence in Sequences)
        {
            sequence.BlockTable.Dispose();
        }
    }
}
