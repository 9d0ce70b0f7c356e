using LlmPlatform.Engine.Sampling;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Scheduling;

namespace LlmPlatform.Engine.Output;

/// <summary>A request as the engine takes it: prompt ids (already tokenized), sampling, and what its cache is salted with.</summary>
public sealed record GenerationRequest(string RequestId, IReadOnlyList<int> PromptTokenIds, SamplingParams Sampling, PrefixHashSeed HashSeed, int Priority = 0);

/// <summary>
/// One update for one choice of a request: the tokens and text produced since the last update, and, on the last
/// update, why it finished and the usage counts (cached prompt tokens for prompt_tokens_details.cached_tokens).
/// </summary>
public sealed record RequestOutput(
    string RequestId,
    int Index,
    IReadOnlyList<int> TokenIds,
    string Text,
    IReadOnlyList<SampledToken> Logprobs,
    string? FinishReason,
    int PromptTokens,
    int CachedTokens,
    int OutputTokens)
{
    public bool Finished => FinishReason is not null;
}
