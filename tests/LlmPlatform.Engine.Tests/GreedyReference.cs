using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>Greedy decoding the plainest way: a fresh one-shot forward of the whole text for every new token.</summary>
public static class GreedyReference
{
    private const int BlockSize = 16;

    public static int[] Decode(CausalLanguageModel model, IReadOnlyList<int> prompt, int count)
    {
        var tokens = prompt.ToList();
        for (var i = 0; i < count; i++)
        {
            var blocks = (tokens.Count + BlockSize - 1) / BlockSize;
            using var cache = new PagedKvCache(model.Spec.Layers, blocks, BlockSize, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, model.Device);
            var (ids, positions, batch, last) = StepInputs.Build(BlockSize, model.Device, new SequenceStep([.. Enumerable.Range(0, blocks)], 0, [.. tokens]));
            using (batch)
            using (var logits = model.Forward(ids, positions, batch, cache, last))
            {
                tokens.Add((int)logits[0].argmax().item<long>());
            }
        }

        return tokens.Skip(prompt.Count).ToArray();
    }
}
