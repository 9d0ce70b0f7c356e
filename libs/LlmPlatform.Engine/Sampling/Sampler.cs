using static TorchSharp.torch;

namespace LlmPlatform.Engine.Sampling;

/// <summary>
/// Turns one step's logits [rows, vocab] into tokens. The transforms run batched in libtorch on the logits' device:
/// logit bias, repetition, presence and frequency penalties and blocked ids as a few indexed edits over the whole
/// step (on a copy, made only when a row asks for an edit), then each row's greedy pick and, where the row asks for
/// log-probabilities, log Σ exp (<see cref="LogitStatistics"/>). Only what the host reads comes back: the greedy picks,
/// the chosen tokens' logits (for rows that ask), the asked-for alternatives, and the rows that draw, whose
/// temperature, top-k, top-p and min-p filters and draw run on the host with the row's own Random (so a seeded
/// request's tokens do not depend on its batch). On a GPU a step's logits (50 MB at 256 rows of a 49,152-token
/// vocabulary) used to be copied whole to the host and read row by row. Log-probabilities are those of the processed
/// distribution before temperature (after penalties and bias).
/// </summary>
public static class Sampler
{
    public static IReadOnlyList<SampledToken> Sample(Tensor logits, IReadOnlyList<SamplingRow> rows)
    {
        using var scope = NewDisposeScope();
        var (count, vocab) = ((int)logits.shape[0], (int)logits.shape[1]);
        var processed = ApplyPenaltiesAndBias(logits.to(ScalarType.Float32), rows, vocab);
        var wanted = rows.Select(row => row.WantsLogprob).ToArray();
        var (tokens, logSumExp) = LogitStatistics.Of(processed, wanted);

        var drawing = Enumerable.Range(0, count).Where(i => !rows[i].IsGreedy).ToArray();
        if (drawing.Length > 0)
        {
            var drawRows = drawing.Select(i => rows[i]).ToList();
            var probabilities = Filter(Rows(processed, drawing).cpu(), drawRows).softmax(-1);
            for (var j = 0; j < drawing.Length; j++)
            {
                tokens[drawing[j]] = Draw(probabilities[j].data<float>().ToArray(), drawRows[j].Random);
            }
        }

        var chosen = wanted.Any(w => w) ? processed.gather(1, tensor(tokens, device: logits.device).unsqueeze(1)).cpu().data<float>().ToArray() : null;
        var alternatives = TopLogprobs(processed, rows);
        return Enumerable.Range(0, count).Select(i => new SampledToken((int)tokens[i], wanted[i] ? chosen![i] - logSumExp[i] : double.NaN, alternatives[i])).ToList();
    }

    /// <summary>
    /// Bias, then the repetition penalty, then presence and frequency penalties, then blocked ids, each applied to
    /// every row at once through flat indexes (row × vocab + token): on a GPU an edit per token would be a launch each.
    /// The edits go to a copy, and only when there are any: the logits themselves are the caller's.
    /// </summary>
    private static Tensor ApplyPenaltiesAndBias(Tensor logits, IReadOnlyList<SamplingRow> rows, int vocab)
    {
        // An id past the row (a prompt token above a narrowed vocabulary, an out-of-range stop id) can be neither
        // sampled nor penalized, and its flat index would land in the next row.
        bool InRow(int token) => (uint)token < (uint)vocab;
        long At(int row, int token) => (long)row * vocab + token;
        Tensor Indexes(IEnumerable<long> values) => tensor(values.ToArray(), device: logits.device);
        Tensor Values(IEnumerable<float> values) => tensor(values.ToArray(), device: logits.device);

        var bias = rows.SelectMany((row, i) => row.LogitBias.Where(b => InRow(b.Key)).Select(b => (At(i, b.Key), (float)b.Value))).ToList();
        var repeated = rows.SelectMany((row, i) => row.RepetitionPenalty == 1.0 ? []
            : row.PromptTokens.Concat(row.OutputTokens).Distinct().Where(InRow).Select(t => (At(i, t), (float)row.RepetitionPenalty))).ToList();
        var penalties = rows.SelectMany((row, i) => row.PresencePenalty == 0 && row.FrequencyPenalty == 0 ? []
            : row.OutputTokens.Where(InRow).GroupBy(t => t).Select(g => (At(i, g.Key), -(float)(row.PresencePenalty + row.FrequencyPenalty * g.Count())))).ToList();
        var blocked = rows.SelectMany((row, i) => row.BlockedTokens.Where(InRow).Select(t => At(i, t))).ToList();
        if (bias.Count + repeated.Count + penalties.Count + blocked.Count == 0)
        {
            return logits;
        }

        var edited = logits.to(ScalarType.Float32, copy: true).contiguous();
        var flat = edited.view(-1);
        if (bias.Count > 0)
        {
            flat.index_add_(0, Indexes(bias.Select(b => b.Item1)), Values(bias.Select(b => b.Item2)), 1);
        }

        if (repeated.Count > 0)
        {
            var (seen, penalty) = (Indexes(repeated.Select(r => r.Item1)), Values(repeated.Select(r => r.Item2)));
            var current = flat.index_select(0, seen);
            flat.index_copy_(0, seen, where(current > 0, current / penalty, current * penalty));
        }

        if (penalties.Count > 0)
        {
            flat.index_add_(0, Indexes(penalties.Select(p => p.Item1)), Values(penalties.Select(p => p.Item2)), 1);
        }

        if (blocked.Count > 0)
        {
            flat.index_fill_(0, Indexes(blocked), float.NegativeInfinity);
        }

        return edited;
    }

    private static Tensor Rows(Tensor matrix, int[] rows) =>
        rows.Length == matrix.shape[0] ? matrix : matrix.index_select(0, tensor(rows.Select(r => (long)r).ToArray(), device: matrix.device));

    /// <summary>Each row's asked-for alternatives, from one top-k over the rows that ask, at the largest count asked.</summary>
    private static IReadOnlyList<(int Token, double Logprob)>[] TopLogprobs(Tensor logits, IReadOnlyList<SamplingRow> rows)
    {
        var result = new IReadOnlyList<(int Token, double Logprob)>[rows.Count];
        Array.Fill(result, []);
        var asking = Enumerable.Range(0, rows.Count).Where(i => rows[i].Logprobs is > 0).ToArray();
        if (asking.Length == 0)
        {
            return result;
        }

        var most = Math.Min(asking.Max(i => rows[i].Logprobs!.Value), (int)logits.shape[1]);
        var (values, indices) = Rows(logits, asking).log_softmax(-1).topk(most);
        var (hostValues, hostIndices) = (values.cpu().data<float>().ToArray(), indices.cpu().data<long>().ToArray());
        for (var j = 0; j < asking.Length; j++)
        {
            var wanted = Math.Min(rows[asking[j]].Logprobs!.Value, most);
            result[asking[j]] = Enumerable.Range(j * most, wanted).Select(k => ((int)hostIndices[k], (double)hostValues[k])).ToList();
        }

        return result;
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
}
