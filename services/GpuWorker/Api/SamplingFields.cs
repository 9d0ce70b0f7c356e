using System.Globalization;
using LlmPlatform.Scheduling;
using LlmPlatform.OpenAi;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// The engine's <see cref="SamplingParams"/> from a request's fields. Range checks live in SamplingParams itself; it
/// throws an <see cref="ArgumentException"/> naming the OpenAI field, which the endpoints turn into a 400.
/// </summary>
internal static class SamplingFields
{
    /// <summary>vLLM's --max-logprobs default: the most alternatives a request may ask for per token.</summary>
    public const int MaxLogprobs = 20;

    public static SamplingParams From(GenerationRequestBody request, int maxTokens, int? logprobs) => new(
        temperature: request.Temperature ?? 1.0,
        topP: request.TopP ?? 1.0,
        topK: request.TopK ?? -1,
        minP: request.MinP ?? 0.0,
        presencePenalty: request.PresencePenalty ?? 0.0,
        frequencyPenalty: request.FrequencyPenalty ?? 0.0,
        repetitionPenalty: request.RepetitionPenalty ?? 1.0,
        maxTokens: maxTokens,
        minTokens: request.MinTokens ?? 0,
        seed: request.Seed,
        stop: request.Stop,
        stopTokenIds: request.StopTokenIds,
        ignoreEos: request.IgnoreEos,
        n: request.N ?? 1,
        logprobs: logprobs,
        logitBias: LogitBias(request.LogitBias),
        skipSpecialTokens: request.SkipSpecialTokens,
        includeStopStrInOutput: request.IncludeStopStrInOutput);

    private static Dictionary<int, double>? LogitBias(Dictionary<string, double>? bias)
    {
        if (bias is null)
        {
            return null;
        }

        var byToken = new Dictionary<int, double>();
        foreach (var (key, value) in bias)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var token))
            {
                throw new ArgumentException($"'{key}' is not a token id.", "logit_bias");
            }

            byToken[token] = value;
        }

        return byToken;
    }
}
