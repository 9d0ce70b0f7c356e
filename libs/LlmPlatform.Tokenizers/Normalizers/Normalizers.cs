namespace LlmPlatform.Tokenizers.Normalizers;

/// <summary>A tokenizer.json normalizer: rewrites text before pre-tokenization. Offsets are not tracked; nothing here needs them.</summary>
public interface INormalizer
{
    string Normalize(string text);
}

public sealed class SequenceNormalizer(IReadOnlyList<INormalizer> normalizers) : INormalizer
{
    public string Normalize(string text) => normalizers.Aggregate(text, (current, normalizer) => normalizer.Normalize(current));
}

public sealed class UnicodeFormNormalizer(System.Text.NormalizationForm form) : INormalizer
{
    public string Normalize(string text) => text.IsNormalized(form) ? text : text.Normalize(form);
}

public sealed class LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => text.ToLowerInvariant();
}

/// <summary>Prepends a string to non-empty text (SentencePiece's "▁" before the first word).</summary>
public sealed class PrependNormalizer(string prefix) : INormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}

public sealed class ReplaceNormalizer(PatternMatcher pattern, string content) : INormalizer
{
    public string Normalize(string text) => pattern.Replace(text, content);
}

public sealed class StripNormalizer(bool left, bool right) : INormalizer
{
    public string Normalize(string text) => (left, right) switch
    {
        (true, true) => text.Trim(),
        (true, false) => text.TrimStart(),
        (false, true) => text.TrimEnd(),
        _ => text,
    };
}

/// <summary>Removes combining marks (category Mn); Hugging Face runs it after NFD.</summary>
public sealed class StripAccentsNormalizer : INormalizer
{
    public string Normalize(string text) => BertNormalizer.RemoveNonSpacingMarks(text);
}
