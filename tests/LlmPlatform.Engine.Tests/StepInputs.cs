using LlmPlatform.Engine.Attention;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>A test's description of one forward step: for each sequence, its block table, tokens already cached, and new tokens.</summary>
public sealed record SequenceStep(int[] BlockTable, int CachedTokens, int[] NewTokens);

/// <summary>Builds the engine's step tensors the way the model runner does: flattened tokens, positions, slots, slices.</summary>
public static class StepInputs
{
    public static (Tensor Ids, Tensor Positions, AttentionBatch Batch, Tensor LastRows) Build(int blockSize, Device device, params SequenceStep[] steps)
    {
        var ids = new List<long>();
        var positions = new List<long>();
        var slots = new List<long>();
        var slices = new List<SequenceSlice>();
        var lastRows = new List<long>();
        foreach (var step in steps)
        {
            var start = ids.Count;
            for (var i = 0; i < step.NewTokens.Length; i++)
            {
                var position = step.CachedTokens + i;
                ids.Add(step.NewTokens[i]);
                positions.Add(position);
                slots.Add((long)step.BlockTable[position / blockSize] * blockSize + position % blockSize);
            }

            slices.Add(new SequenceSlice(start, step.NewTokens.Length, step.CachedTokens + step.NewTokens.Length, step.BlockTable.Select(b => (long)b).ToArray()));
            lastRows.Add(ids.Count - 1);
        }

        return (tensor(ids.ToArray(), device: device), tensor(positions.ToArray(), device: device), new AttentionBatch(slots.ToArray(), slices, device),
            tensor(lastRows.ToArray(), device: device));
    }

    /// <summary>Rows start..end-1 of the step, for comparing every position's logits.</summary>
    public static Tensor Rows(int start, int count, Device device) => arange(start, start + count, ScalarType.Int64, device);
}
