using System.Globalization;
using System.Text;

namespace LlmPlatform.Tokenizers.Normalizers;

/// <summary>
/// BERT's normalizer, in Hugging Face's order: drop control characters and turn whitespace into spaces, put spaces
/// around CJK ideographs, strip accents (by default whenever lowercasing), lowercase.
/// </summary>
public sealed class BertNormalizer(bool cleanText, bool handleChineseChars, bool? stripAccents, bool lowercase) : INormalizer
{
    public string Normalize(string text)
    {
        if (cleanText || handleChineseChars)
        {
            text = CleanAndPad(text);
        }

        if ((stripAccents ?? lowercase) && !IsAscii(text))
        {
            text = RemoveNonSpacingMarks(text.IsNormalized(NormalizationForm.FormD) ? text : text.Normalize(NormalizationForm.FormD));
        }

        return lowercase ? text.ToLowerInvariant() : text;
    }

    public static string RemoveNonSpacingMarks(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark)
            {
                Append(builder, rune);
            }
        }

        return builder.ToString();
    }

    /// <summary>Clean-up and CJK padding in one pass, in that order per character.</summary>
    private string CleanAndPad(string text)
    {
        var builder = new StringBuilder(text.Length + 8);
        foreach (var rune in text.EnumerateRunes())
        {
            var current = rune;
            if (cleanText)
            {
                if (rune.Value is 0 or 0xFFFD || IsControl(rune))
                {
                    continue;
                }

                if (IsWhitespace(rune))
                {
                    current = new Rune(' ');
                }
            }

            if (handleChineseChars && IsChineseChar(current.Value))
            {
                builder.Append(' ');
                Append(builder, current);
                builder.Append(' ');
            }
            else
            {
                Append(builder, current);
            }
        }

        return builder.ToString();
    }

    private static void Append(StringBuilder builder, Rune rune)
    {
        if (rune.IsBmp)
        {
            builder.Append((char)rune.Value);
        }
        else
        {
            Span<char> pair = stackalloc char[2];
            builder.Append(pair[..rune.EncodeToUtf16(pair)]);
        }
    }

    private static bool IsAscii(string text) => System.Text.Ascii.IsValid(text);

    private static bool IsWhitespace(Rune rune) => rune.Value is '\t' or '\n' or '\r' || Rune.IsWhiteSpace(rune);

    /// <summary>Rust's char::is_other: every C* category, except the three whitespace controls BERT keeps.</summary>
    private static bool IsControl(Rune rune) => rune.Value is not ('\t' or '\n' or '\r') && Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse or UnicodeCategory.Surrogate;

    /// <summary>The CJK Unified Ideographs blocks, as BERT's original tokenizer lists them.</summary>
    public static bool IsChineseChar(int codePoint) => codePoint is
        >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF or >= 0x2A700 and <= 0x2B73F or
        >= 0x2B740 and <= 0x2B81F or >= 0x2B920 and <= 0x2CEAF or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;
}
