using System.Globalization;
using System.Text;

namespace LlmPlatform.Tokenizers.PreTokenizers;

/// <summary>Splits on whitespace, dropping it.</summary>
public sealed class WhitespaceSplitPreTokenizer : IPreTokenizer
{
    private static readonly PatternMatcher Whitespace = PatternMatcher.Pattern(@"\s+");

    public void Split(Piece piece, List<Piece> output) => PieceSplitter.Split(piece, Whitespace, SplitBehavior.Removed, invert: false, output);
}

/// <summary>Words and runs of punctuation (<c>\w+|[^\w\s]+</c>).</summary>
public sealed class WhitespacePreTokenizer : IPreTokenizer
{
    private static readonly PatternMatcher Words = PatternMatcher.Pattern(@"\w+|[^\w\s]+");

    public void Split(Piece piece, List<Piece> output) => PieceSplitter.Split(piece, Words, SplitBehavior.Removed, invert: true, output);
}

/// <summary>Digits isolated, one at a time or in runs.</summary>
public sealed class DigitsPreTokenizer(bool individualDigits) : IPreTokenizer
{
    private readonly PatternMatcher digits = PatternMatcher.Pattern(individualDigits ? @"\p{Nd}" : @"\p{Nd}+");

    public void Split(Piece piece, List<Piece> output) => PieceSplitter.Split(piece, digits, SplitBehavior.Isolated, invert: false, output);
}

/// <summary>Each punctuation character (ASCII punctuation or any P* category) cut out by the given behavior.</summary>
public sealed class PunctuationPreTokenizer(SplitBehavior behavior) : IPreTokenizer
{
    public static readonly PatternMatcher PunctuationCharacter = PatternMatcher.Pattern(@"[!-/:-@\[-`{-~\p{P}]");

    public void Split(Piece piece, List<Piece> output) => PieceSplitter.Split(piece, PunctuationCharacter, behavior, invert: false, output);
}

/// <summary>
/// BERT's basic tokenizer: split on whitespace, then isolate every punctuation character (ASCII punctuation or any
/// P* category). One pass over the characters: this runs on every embedding request.
/// </summary>
public sealed class BertPreTokenizer : IPreTokenizer
{
    public void Split(Piece piece, List<Piece> output)
    {
        var text = piece.Text;
        var wordStart = -1;
        for (var i = 0; i < text.Length;)
        {
            Rune.DecodeFromUtf16(text.AsSpan(i), out var rune, out var consumed);
            if (Rune.IsWhiteSpace(rune) || IsPunctuation(rune))
            {
                Flush(i);
                if (!Rune.IsWhiteSpace(rune))
                {
                    output.Add(new Piece(text.Substring(i, consumed), piece.AtStart && i == 0));
                }
            }
            else if (wordStart < 0)
            {
                wordStart = i;
            }

            i += consumed;
        }

        Flush(text.Length);

        void Flush(int end)
        {
            if (wordStart >= 0)
            {
                output.Add(new Piece(text[wordStart..end], piece.AtStart && wordStart == 0));
                wordStart = -1;
            }
        }
    }

    private static bool IsPunctuation(Rune rune) => rune.Value is >= '!' and <= '/' or >= ':' and <= '@' or >= '[' and <= '`' or >= '{' and <= '~'
        || Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
}
