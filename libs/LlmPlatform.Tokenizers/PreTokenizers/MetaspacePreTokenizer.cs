namespace LlmPlatform.Tokenizers.PreTokenizers;

/// <summary>When Metaspace puts its replacement character before a piece.</summary>
public enum PrependScheme
{
    Always,
    First,
    Never,
}

/// <summary>SentencePiece's view of spaces: each space becomes "▁", one is prepended per the scheme, and the text may be split before each "▁".</summary>
public sealed class MetaspacePreTokenizer(char replacement, PrependScheme prependScheme, bool split) : IPreTokenizer
{
    private readonly PatternMatcher replacementPattern = PatternMatcher.Literal(replacement.ToString());

    public void Split(Piece piece, List<Piece> output)
    {
        var text = piece.Text.Replace(' ', replacement);
        var prepend = prependScheme == PrependScheme.Always || (prependScheme == PrependScheme.First && piece.AtStart);
        if (prepend && !text.StartsWith(replacement))
        {
            text = replacement + text;
        }

        if (split)
        {
            PieceSplitter.Split(piece with { Text = text }, replacementPattern, SplitBehavior.MergedWithNext, invert: false, output);
        }
        else
        {
            output.Add(piece with { Text = text });
        }
    }
}
