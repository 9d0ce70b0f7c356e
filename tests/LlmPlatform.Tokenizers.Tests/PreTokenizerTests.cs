using LlmPlatform.Tokenizers.PreTokenizers;

namespace LlmPlatform.Tokenizers.Tests;

public sealed class PreTokenizerTests
{
    private const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    [Theory]
    [InlineData("x😀abc", new[] { "x", "😀abc" })]
    [InlineData("a𝐛c d", new[] { "a𝐛c", " d" })]
    [InlineData("n𝟏𝟐𝟑𝟒", new[] { "n", "𝟏𝟐𝟑", "𝟒" })]
    public void Characters_outside_the_bmp_split_as_single_characters_of_their_category(string text, string[] expected)
    {
        var pieces = new List<Piece>();

        new SplitPreTokenizer(PatternMatcher.Pattern(Llama3Pattern), SplitBehavior.Isolated, invert: false).Split(new Piece(text, true), pieces);

        Assert.Equal(expected, pieces.Select(p => p.Text));
    }

    [Theory]
    [InlineData(SplitBehavior.Removed, new[] { "a", "b", "c" })]
    [InlineData(SplitBehavior.Isolated, new[] { "a", "-", "b", "-", "-", "c" })]
    [InlineData(SplitBehavior.MergedWithPrevious, new[] { "a-", "b-", "-", "c" })]
    [InlineData(SplitBehavior.MergedWithNext, new[] { "a", "-b", "-", "-c" })]
    [InlineData(SplitBehavior.Contiguous, new[] { "a", "-", "b", "--", "c" })]
    public void Split_behaviors_place_the_delimiters_as_hugging_face_does(SplitBehavior behavior, string[] expected)
    {
        var pieces = new List<Piece>();

        new SplitPreTokenizer(PatternMatcher.Literal("-"), behavior, invert: false).Split(new Piece("a-b--c", true), pieces);

        Assert.Equal(expected, pieces.Select(p => p.Text));
    }

    [Theory]
    [InlineData(PrependScheme.Always, false, "▁hello▁world")]
    [InlineData(PrependScheme.First, true, "▁hello▁world")]
    [InlineData(PrependScheme.First, false, "hello▁world")]
    [InlineData(PrependScheme.Never, true, "hello▁world")]
    public void Metaspace_prepends_by_scheme_and_only_first_means_the_start_of_the_input(PrependScheme scheme, bool atStart, string expected)
    {
        var pieces = new List<Piece>();

        new MetaspacePreTokenizer('▁', scheme, split: false).Split(new Piece("hello world", atStart), pieces);

        Assert.Equal(expected, Assert.Single(pieces).Text);
    }
}
