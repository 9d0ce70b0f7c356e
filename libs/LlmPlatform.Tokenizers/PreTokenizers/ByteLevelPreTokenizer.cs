using System.Text;

namespace LlmPlatform.Tokenizers.PreTokenizers;

/// <summary>
/// GPT-2's byte-level step: optionally a space before each piece and GPT-2's word regex, then every piece is
/// rewritten as its UTF-8 bytes in <see cref="ByteLevelAlphabet"/>, which is what byte-level BPE vocabularies hold.
/// </summary>
public sealed class ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : IPreTokenizer
{
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static readonly PatternMatcher Gpt2Words = PatternMatcher.Pattern(Gpt2Pattern);

    public void Split(Piece piece, List<Piece> output)
    {
        if (addPrefixSpace && !piece.Text.StartsWith(' '))
        {
            piece = piece with { Text = " " + piece.Text };
        }

        var start = output.Count;
        if (useRegex)
        {
            PieceSplitter.Split(piece, Gpt2Words, SplitBehavior.Isolated, invert: false, output);
        }
        else
        {
            output.Add(piece);
        }

        for (var i = start; i < output.Count; i++)
        {
            output[i] = output[i] with { Text = ToByteLevel(output[i].Text) };
        }
    }

    public static string ToByteLevel(string text)
    {
        var maxBytes = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> bytes = maxBytes <= 1024 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        var count = Encoding.UTF8.GetBytes(text, bytes);
        return ByteLevelAlphabet.Encode(bytes[..count]);
    }
}
