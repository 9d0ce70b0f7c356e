namespace LlmPlatform.Tokenizers.AddedTokens;

/// <summary>
/// A token matched on the text itself before any model runs (special tokens such as "&lt;|im_start|&gt;", and any
/// added vocabulary). <see cref="Normalized"/> tokens are matched after normalization, the others on the raw text.
/// </summary>
public sealed record AddedToken(int Id, string Content, bool Special, bool SingleWord = false, bool LeftStrip = false, bool RightStrip = false, bool Normalized = false);

/// <summary>A stretch of input: either plain text for the pre-tokenizer and model, or one added token.</summary>
public readonly record struct Segment(string Text, int? AddedTokenId, bool AtStart);
