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

/// <summary>BERT's basic tokenizer: split on whitespace, then isolate every punctuation character.</summary>
public sealed class BertPreTokenizer : IPreTokenizer
{
    private readonly WhitespaceSplitPreTokenizer whitespace = new();
    private readonly PunctuationPreTokenizer punctuation = new(SplitBehavior.Isolated);

    public void Split(Piece piece, List<Piece> output)
    {
        var words = new List<Piece>();
        whitespace.Split(piece, words);
        foreach (var word in words)
        {
            punctuation.Split(word, output);
        }
    }
}
