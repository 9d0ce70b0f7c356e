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

    /// <summary>How many alternatives to return with their log-probabilities; null: none.</summary>
    public int? Logprobs { get; init; }

    public required Random Random { get; init; }

    public bool IsGreedy => Temperature == 0;
}

/// <summary>A sampled token, its log-probability, and the top alternatives when asked for.</summary>
public sealed record SampledToken(int Token, double Logprob, IReadOnlyList<(int Token, double Logprob)> TopLogprobs);
