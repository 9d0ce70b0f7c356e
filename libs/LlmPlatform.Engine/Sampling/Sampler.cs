using static TorchSharp.torch;

namespace LlmPlatform.Engine.Sampling;

/// <summary>
/// Turns one step's logits [rows, vocab] into tokens. The transforms run batched in libtorch: logit bias, repetition,
/// presence and frequency penalties, blocked ids, temperature, then top-k, top-p and min-p masks. The draw itself
/// runs per row in C# with the row's own Random, so that a seeded request's tokens do not depend on its batch.
/// Log-probabilities are those of the processed distribution before temperature (after penalties and bias).
/// </summary>
public static class Sampler
{
    public static IReadOnlyList<SampledToken> Sample(Tensor logits, IReadOnlyList<SamplingRow> rows)
    {
        using var scope = NewDisposeScope();
        var vocab = (int)logits.shape[1];
        // On the host: the draw and the log-probabilities are read per row in C#, and on a GPU each such read would be
        // its own transfer and synchronization, where one copy of the step's logits is a single transfer.
        var processed = ApplyPenaltiesAndBias(logits.to(ScalarType.Float32, CPU, copy: true), rows, vocab);
        var logprobs = processed.log_softmax(-1);
        // A batch of greedy rows needs no distribution to draw from: skip the filters and their softmax.
        var probabilities = rows.All(r => r.IsGreedy) ? null : Filter(processed, rows).softmax(-1);

        var results = new SampledToken[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var token = row.IsGreedy ? (int)processed[i].argmax().item<long>() : Draw(probabilities![i].data<float>().ToArray(), row.Random);
            var top = row.Logprobs is > 0 ? TopLogprobs(logprobs[i], row.Logprobs.Value) : [];
            results[i] = new SampledToken(token, logprobs[i][token].item<float>(), top);
        }

        return results;
    }

    private static Tensor ApplyPenaltiesAndBias(Tensor logits, IReadOnlyList<SamplingRow> rows, int vocab)
    {
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var values = logits[i];
            foreach (var (token, bias) in row.LogitBias)
            {
                if ((uint)token < (uint)vocab)
                {
                    values[token] += bias;
                }
            }

            if (row.RepetitionPenalty != 1.0)
            {
                var seen = tensor(row.PromptTokens.Concat(row.OutputTokens).Distinct().Select(t => (long)t).ToArray());
                var current = values.index_select(0, seen);
                values.index_copy_(0, seen, where(current > 0, current / row.RepetitionPenalty, current * row.RepetitionPenalty));
            }

            if ((row.PresencePenalty != 0 || row.FrequencyPenalty != 0) && row.OutputTokens.Count > 0)
            {
                foreach (var group in row.OutputTokens.GroupBy(t => t))
                {
                    values[group.Key] -= row.PresencePenalty + row.FrequencyPenalty * group.Count();
                }
            }

            foreach (var token in row.BlockedTokens)
            {
                values[token] = float.NegativeInfinity;
            }
        }

        return logits;
    }

    /// <summary>Temperature, then the three truncations, each a mask of -inf over the scaled logits.</summary>
    private static Tensor Filter(Tensor logits, IReadOnlyList<SamplingRow> rows)
    {
        var temperatures = tensor(rows.Select(r => (float)(r.IsGreedy ? 1.0 : r.Temperature)).ToArray()).unsqueeze(1);
        var scaled = logits / temperatures;
        var vocab = scaled.shape[1];

        if (rows.Any(r => r.TopK > 0 && r.TopK < vocab))
        {
            var k = tensor(rows.Select(r => (long)(r.TopK > 0 ? Math.Min(r.TopK, vocab) : vocab)).ToArray()).unsqueeze(1);
            var sorted = scaled.sort(-1, descending: true).Values;
            var kth = sorted.gather(1, k - 1);
            scaled = scaled.masked_fill(scaled < kth, float.NegativeInfinity);
        }

        if (rows.Any(r => r.TopP < 1.0))
        {
            var topP = tensor(rows.Select(r => (float)r.TopP).ToArray()).unsqueeze(1);
            var (sortedLogits, order) = scaled.sort(-1, descending: true);
            var cumulative = sortedLogits.softmax(-1).cumsum(-1);
            // Keep the smallest prefix whose mass reaches top_p: drop a token when the mass before it already does.
            var dropSorted = (cumulative - sortedLogits.softmax(-1)) >= topP;
            var drop = zeros_like(sortedLogits).scatter(1, order, dropSorted.to(ScalarType.Float32)).to(ScalarType.Bool);
            scaled = scaled.masked_fill(drop, float.NegativeInfinity);
        }

        if (rows.Any(r => r.MinP > 0))
        {
            var minP = tensor(rows.Select(r => (float)r.MinP).ToArray()).unsqueeze(1);
            var probabilities = scaled.softmax(-1);
            var threshold = probabilities.max(-1, keepdim: true).values * minP;
            scaled = scaled.masked_fill(probabilities < threshold, float.NegativeInfinity);
        }

        return scaled;
    }

    private static int Draw(ReadOnlySpan<float> probabilities, Random random)
    {
        var target = random.NextDouble();
        double cumulative = 0;
        var last = 0;
        for (var token = 0; token < probabilities.Length; token++)
        {
            if (probabilities[token] <= 0)
            {
                continue;
            }

            cumulative += probabilities[token];
            last = token;
            if (cumulative > target)
            {
                return token;
            }
        }

        // Rounding can leave the total a hair under 1: the last possible token takes the remainder.
        return last;
    }

    private static IReadOnlyList<(int Token, double Logprob)> TopLogprobs(Tensor logprobs, int count)
    {
        var (values, indices) = logprobs.topk(count);
        var v = values.data<float>().ToArray();
        var ids = indices.data<long>().ToArray();
        return ids.Select((id, j) => ((int)id, (double)v[j])).ToList();
    }
}
