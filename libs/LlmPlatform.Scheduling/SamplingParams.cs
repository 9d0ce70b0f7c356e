using static LlmPlatform.Scheduling.SettingRules;

namespace LlmPlatform.Scheduling;

/// <summary>
/// How one request samples and stops, checked once here so the engine never meets an out-of-range value. An invalid
/// value throws <see cref="ArgumentException"/> whose ParamName is the OpenAI field name, for a 400 that names it.
/// Defaults are vLLM's.
/// </summary>
public sealed record SamplingParams
{
    /// <summary>Below this temperature vLLM samples greedily (argmax).</summary>
    public const double GreedyTemperature = 1e-5;

    public SamplingParams(
        double temperature = 1.0,
        double topP = 1.0,
        int topK = -1,
        double minP = 0.0,
        double presencePenalty = 0.0,
        double frequencyPenalty = 0.0,
        double repetitionPenalty = 1.0,
        int maxTokens = 16,
        int minTokens = 0,
        long? seed = null,
        IReadOnlyList<string>? stop = null,
        IReadOnlyList<int>? stopTokenIds = null,
        bool ignoreEos = false,
        int n = 1,
        int? logprobs = null,
        IReadOnlyDictionary<int, double>? logitBias = null,
        bool skipSpecialTokens = true,
        bool includeStopStrInOutput = false)
    {
        // Conditions are written so that NaN fails them.
        Require(temperature >= 0 && double.IsFinite(temperature), "temperature", "must be a finite number >= 0");
        Require(topP > 0 && topP <= 1, "top_p", "must be in (0, 1]");
        Require(topK == -1 || topK >= 1, "top_k", "must be -1 (disabled) or >= 1");
        Require(minP >= 0 && minP <= 1, "min_p", "must be in [0, 1]");
        Require(presencePenalty >= -2 && presencePenalty <= 2, "presence_penalty", "must be in [-2, 2]");
        Require(frequencyPenalty >= -2 && frequencyPenalty <= 2, "frequency_penalty", "must be in [-2, 2]");
        Require(repetitionPenalty > 0 && double.IsFinite(repetitionPenalty), "repetition_penalty", "must be a finite number > 0");
        Require(maxTokens >= 1, "max_tokens", "must be >= 1");
        Require(minTokens >= 0 && minTokens <= maxTokens, "min_tokens", "must be in [0, max_tokens]");
        Require(stop is null || stop.All(s => !string.IsNullOrEmpty(s)), "stop", "must not contain empty strings");
        Require(stopTokenIds is null || stopTokenIds.All(id => id >= 0), "stop_token_ids", "must be token ids >= 0");
        Require(n >= 1, "n", "must be >= 1");
        Require(logprobs is null or (>= 0 and <= 20), "logprobs", "must be in [0, 20]");
        Require(logitBias is null || logitBias.All(b => b.Key >= 0 && b.Value >= -100 && b.Value <= 100),
            "logit_bias", "must map token ids >= 0 to biases in [-100, 100]");

        Temperature = temperature;
        TopP = topP;
        TopK = topK;
        MinP = minP;
        PresencePenalty = presencePenalty;
        FrequencyPenalty = frequencyPenalty;
        RepetitionPenalty = repetitionPenalty;
        MaxTokens = maxTokens;
        MinTokens = minTokens;
        Seed = seed;
        Stop = stop?.ToArray() ?? [];
        StopTokenIds = stopTokenIds?.ToArray() ?? [];
        IgnoreEos = ignoreEos;
        N = n;
        Logprobs = logprobs;
        LogitBias = logitBias is null ? new Dictionary<int, double>() : new Dictionary<int, double>(logitBias);
        SkipSpecialTokens = skipSpecialTokens;
        IncludeStopStrInOutput = includeStopStrInOutput;
    }

    public double Temperature { get; }

    public double TopP { get; }

    /// <summary>-1 disables top-k.</summary>
    public int TopK { get; }

    public double MinP { get; }

    public double PresencePenalty { get; }

    public double FrequencyPenalty { get; }

    public double RepetitionPenalty { get; }

    public int MaxTokens { get; }

    /// <summary>Until this many tokens are out, eos and <see cref="StopTokenIds"/> do not stop the request.</summary>
    public int MinTokens { get; }

    public long? Seed { get; }

    /// <summary>Stop strings; matched on detokenized text by the engine, not by this library.</summary>
    public IReadOnlyList<string> Stop { get; }

    public IReadOnlyList<int> StopTokenIds { get; }

    public bool IgnoreEos { get; }

    public int N { get; }

    /// <summary>Number of top alternatives to return with each token's logprob; null returns none.</summary>
    public int? Logprobs { get; }

    public IReadOnlyDictionary<int, double> LogitBias { get; }

    public bool SkipSpecialTokens { get; }

    public bool IncludeStopStrInOutput { get; }

    public bool IsGreedy => Temperature < GreedyTemperature;
}
