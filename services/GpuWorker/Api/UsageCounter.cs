using LlmPlatform.Engine.Output;
using LlmPlatform.OpenAi;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// A response's usage: each prompt's tokens counted once however many choices it has (as OpenAI counts n > 1), its
/// cached tokens from the engine, and every choice's generated tokens.
/// </summary>
internal sealed class UsageCounter(int prompts)
{
    private readonly int[] promptTokens = new int[prompts];
    private readonly int[] cachedTokens = new int[prompts];
    private int completionTokens;

    public void Add(int prompt, RequestOutput output)
    {
        promptTokens[prompt] = output.PromptTokens;
        cachedTokens[prompt] = Math.Max(cachedTokens[prompt], output.CachedTokens);
        if (output.Finished)
        {
            completionTokens += output.OutputTokens;
        }
    }

    public Usage Usage => Usage.Of(promptTokens.Sum(), completionTokens, cachedTokens.Sum());
}
