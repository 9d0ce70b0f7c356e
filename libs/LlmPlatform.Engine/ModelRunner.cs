using System.Runtime.CompilerServices;
using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;
using LlmPlatform.Engine.Sampling;
using LlmPlatform.Scheduling;
using static TorchSharp.torch;

namespace LlmPlatform.Engine;

/// <summary>
/// Runs one scheduled step: lays the batch out as the model's flattened inputs (token ids, positions, the KV slot of
/// every new token, each sequence's slice and block table), runs the forward pass, and samples one token for every
/// sequence whose chunk reaches its last token. Like nano-vllm's model_runner, it owns no scheduling decisions.
/// </summary>
/// <param name="vocabulary">
/// How many of the model's output ids may be sampled, when fewer than its rows: models pad their vocabulary (to a
/// multiple of 64 or 128), and an id past the tokenizer's could not be decoded. Null: every id.
/// </param>
public sealed class ModelRunner(CausalLanguageModel model, PagedKvCache cache, IReadOnlyCollection<int> eosTokenIds, int? vocabulary = null)
{
    // A request's random source lives as long as the request: a seeded one starts from its seed, so its draws do not
    // depend on what else shares its batches.
    private readonly ConditionalWeakTable<Sequence, Random> randoms = new();
    private readonly Random unseeded = new();

    public CausalLanguageModel Model => model;

    /// <summary>The sampled tokens, one per sequence with <see cref="ScheduledSequence.SamplesToken"/>, in batch order.</summary>
    public IReadOnlyList<SampledToken> Run(ScheduledBatch batch)
    {
        using var scope = NewDisposeScope();
        var ids = new long[batch.NumBatchedTokens];
        var positions = new long[batch.NumBatchedTokens];
        var slots = new long[batch.NumBatchedTokens];
        var slices = new List<SequenceSlice>(batch.Sequences.Count);
        var logitRows = new List<long>();
        var rows = new List<SamplingRow>();
        var row = 0;
        foreach (var scheduled in batch.Sequences)
        {
            var sequence = scheduled.Sequence;
            var start = row;
            var newTokens = scheduled.NewTokenIds;
            for (var i = 0; i < scheduled.NumNewTokens; i++, row++)
            {
                var position = scheduled.StartPosition + i;
                ids[row] = CheckedId(newTokens[i]);
                positions[row] = position;
                slots[row] = (long)sequence.BlockTable[position / cache.BlockSize] * cache.BlockSize + position % cache.BlockSize;
            }

            var blockTable = sequence.BlockTable.Select(b => (long)b).ToArray();
            slices.Add(new SequenceSlice(start, scheduled.NumNewTokens, scheduled.StartPosition + scheduled.NumNewTokens, blockTable));
            if (scheduled.SamplesToken)
            {
                logitRows.Add(row - 1);
                rows.Add(SamplingRowFor(sequence));
            }
        }

        var device = model.Device;
        using var step = new AttentionBatch(slots, slices, device);
        var logits = model.Forward(tensor(ids, device: device), tensor(positions, device: device), step, cache, tensor(logitRows.ToArray(), device: device));
        if (vocabulary is { } sampleable && sampleable < logits.shape[1])
        {
            logits = logits.narrow(1, 0, sampleable);
        }

        return rows.Count == 0 ? [] : Sampler.Sample(logits, rows);
    }

    /// <summary>
    /// Refuses an id outside the embedding table here, on the host, so that the step fails as an exception: on CUDA the
    /// embedding lookup would hit a device-side assert instead, which leaves the process's CUDA context unusable for
    /// every later request.
    /// </summary>
    private int CheckedId(int id) =>
        (uint)id < (uint)model.Spec.VocabSize ? id : throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id {id} is outside the model's vocabulary of {model.Spec.VocabSize}.");

    private SamplingRow SamplingRowFor(Sequence sequence)
    {
        var sampling = sequence.Sampling;
        var random = randoms.GetValue(sequence, _ => sampling.Seed is { } seed ? new Random(unchecked((int)seed ^ (int)(seed >> 32))) : new Random(unseeded.Next()));
        var outputs = sequence.OutputTokenIds.ToList();
        // Only the repetition penalty looks at the prompt: copy it into the row only then (it runs every step).
        IReadOnlyList<int> prompt = sampling.RepetitionPenalty != 1.0 ? sequence.TokenIds.Take(sequence.NumPromptTokens).ToList() : [];
        return new SamplingRow
        {
            Temperature = sampling.IsGreedy ? 0 : sampling.Temperature,
            TopP = sampling.TopP,
            TopK = sampling.TopK,
            MinP = sampling.MinP,
            PresencePenalty = sampling.PresencePenalty,
            FrequencyPenalty = sampling.FrequencyPenalty,
            RepetitionPenalty = sampling.RepetitionPenalty,
            LogitBias = sampling.LogitBias,
            PromptTokens = prompt,
            OutputTokens = outputs,
            // Until min_tokens are out, neither eos nor a stop token id may end the sequence.
            BlockedTokens = outputs.Count < sampling.MinTokens ? [.. (sampling.IgnoreEos ? [] : eosTokenIds), .. sampling.StopTokenIds] : [],
            Logprobs = sampling.Logprobs,
            Random = random,
        };
    }
}
