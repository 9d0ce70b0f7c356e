using System.Text.Json.Nodes;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// vLLM's <c>POST /tokenize</c>: either a <c>prompt</c> or chat <c>messages</c> (rendered with the chat template).
/// add_special_tokens defaults to true for a prompt and false for messages, whose template writes them, as in vLLM.
/// </summary>
public sealed class TokenizeRequest
{
    public string? Model { get; set; }

    public string? Prompt { get; set; }

    public JsonArray? Messages { get; set; }

    public JsonArray? Tools { get; set; }

    public bool? AddSpecialTokens { get; set; }

    public bool AddGenerationPrompt { get; set; } = true;

    public string? ChatTemplate { get; set; }

    public JsonObject? ChatTemplateKwargs { get; set; }

    public bool ReturnTokenStrs { get; set; }
}

public sealed record TokenizeResponse(int Count, int MaxModelLen, IReadOnlyList<int> Tokens, IReadOnlyList<string?>? TokenStrs);

public sealed class DetokenizeRequest
{
    public string? Model { get; set; }

    public List<int>? Tokens { get; set; }
}

public sealed record DetokenizeResponse(string Prompt);
