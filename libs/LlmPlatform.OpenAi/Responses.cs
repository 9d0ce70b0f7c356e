using System.Text.Json.Serialization;

namespace LlmPlatform.OpenAi;

/// <summary>OpenAI's usage block, with <c>prompt_tokens_details.cached_tokens</c> from the engine's prefix cache.</summary>
public sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails PromptTokensDetails)
{
    public static Usage Of(int prompt, int completion, int cached) => new(prompt, completion, prompt + completion, new PromptTokensDetails(cached));
}

public sealed record PromptTokensDetails(int CachedTokens);

/// <summary>A <c>/v1/completions</c> response, or one streamed chunk of it (same object name, as OpenAI sends).</summary>
public sealed record Completion(string Id, long Created, string Model, IReadOnlyList<CompletionChoice> Choices, Usage? Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "text_completion";
}

public sealed record CompletionChoice(int Index, string Text, CompletionLogprobs? Logprobs, string? FinishReason);

/// <summary>The legacy completions logprobs shape: parallel lists, one entry per generated token.</summary>
public sealed record CompletionLogprobs(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<double> TokenLogprobs,
    IReadOnlyList<Dictionary<string, double>> TopLogprobs,
    IReadOnlyList<int> TextOffset);

/// <summary>A <c>/v1/chat/completions</c> response.</summary>
public sealed record ChatCompletion(string Id, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "chat.completion";
}

public sealed record ChatChoice(int Index, ChatMessage Message, ChatLogprobs? Logprobs, string? FinishReason);

public sealed record ChatMessage(string Role, string Content);

/// <summary>One streamed chunk of a chat completion; the last one, when usage is asked for, has no choices.</summary>
public sealed record ChatCompletionChunk(string Id, long Created, string Model, IReadOnlyList<ChatChunkChoice> Choices, Usage? Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "chat.completion.chunk";
}

public sealed record ChatChunkChoice(int Index, ChatDelta Delta, ChatLogprobs? Logprobs, string? FinishReason);

/// <summary>What a chunk adds to the message: the role once, at the start, then content.</summary>
public sealed record ChatDelta(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Role,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Content);

public sealed record ChatLogprobs(IReadOnlyList<ChatTokenLogprob> Content);

public sealed record ChatTokenLogprob(string Token, double Logprob, IReadOnlyList<int> Bytes, IReadOnlyList<ChatTopLogprob> TopLogprobs);

public sealed record ChatTopLogprob(string Token, double Logprob, IReadOnlyList<int> Bytes);

/// <summary><c>GET /v1/models</c> in OpenAI's list shape, with vLLM's extra fields (root, parent, max_model_len).</summary>
public sealed record ModelList(IReadOnlyList<ModelCard> Data)
{
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}

public sealed record ModelCard(string Id, long Created, string OwnedBy, string Root, string? Parent, int MaxModelLen)
{
    [JsonPropertyOrder(-1)]
    public string Object => "model";
}
