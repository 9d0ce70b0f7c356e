namespace LlmPlatform.Engine.Sampling;

/// <summary>
/// What the sampler needs for one row of logits: the request's sampling settings, the tokens that penalties look
/// at, the ids that must not end the sequence yet (min_tokens), and the request's own random source (so a seeded
/// request draws the same tokens alone or in any batch).
/// </summary>
public sealed record SamplingRow
{
    public double Temperature { get; init; } = 1.0;

    public double TopP { get; init; } = 1.0;

    /// <summary>-1 or 0: no limit.</summary>
    public int TopK { get; init; } = -1;

    public double MinP { get; init; }

    public double PresencePenalty { get; init; }

    public double FrequencyPenalty { get; init; }

    /// <summary>1: none. Hugging Face's rule: positive logits divided by it, negative ones multiplied, over prompt and output tokens.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    public IReadOnlyDictionary<int, double> LogitBias { get; init; } = new Dictionary<int, double>();

    public IReadOnlyList<int> PromptTokens { get; init; } = [];

    public IReadOnlyList<int> OutputTokens { get; init; } = [];

    /// <summary>Ids forbidden at this step (eos and stop_token_ids while fewer than min_tokens have been generated).</summary>
    public IReadOnlyCollection<int> BlockedTokens { get; init; } = [];

    /// <summary>
    /// How many alternatives to return with their log-probabilities; null: none, and not the sampled token's own
    /// log-probability either (as vLLM, the sampler computes log-probabilities only for rows that ask for them).
    /// </summary>
    public int? Logprobs { get; init; }

    /// <summary>Whether the sampled token's log-probability is computed (<see cref="Logprobs"/> set, 0 included).</summary>
    public bool WantsLogprob => Logprobs is not null;

    public required Random Random { get; init; }

    public bool IsGreedy => Temperature == 0;
}

/// <summary>
/// A sampled token, its log-probability (NaN unless its row asked: <see cref="SamplingRow.WantsLogprob"/>), and the top
/// alternatives when asked for.
/// </summary>
public sealed record SampledToken(int Token, double Logprob, IReadOnlyList<(int Token, double Logprob)> TopLogprobs);
