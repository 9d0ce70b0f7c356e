using System.ComponentModel.DataAnnotations;

namespace LlmPlatform.TokenizerService;

/// <summary>The models whose tokenizers this service serves, and its input limits. Bound from <c>Tokenizer</c>.</summary>
public sealed class TokenizerOptions
{
    public const string Section = "Tokenizer";

    /// <summary>Each model: the name clients use and its Hugging Face directory (tokenizer.json, tokenizer_config.json).</summary>
    public List<ServedTokenizer> Models { get; set; } = [];

    /// <summary>Longest text (characters) Encode and RenderChat accept.</summary>
    [Range(1, int.MaxValue)]
    public int MaxInputChars { get; set; } = 1 << 20;

    /// <summary>Accept a chat_template in RenderChat requests. Off by default: a client's template is a program that may not end.</summary>
    public bool TrustRequestChatTemplate { get; set; }

    /// <summary>Most ids Decode accepts.</summary>
    [Range(1, int.MaxValue)]
    public int MaxInputIds { get; set; } = 1 << 20;
}

public sealed class ServedTokenizer
{
    /// <summary>Default: the directory name, as the workers name a model they serve.</summary>
    public string? Name { get; set; }

    [Required]
    public string Path { get; set; } = "";
}
