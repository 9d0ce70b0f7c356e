using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LlmPlatform.Tokenizers;

/// <summary>
/// Runs a pre-tokenizer pattern with Oniguruma's (and so Hugging Face's) view of characters. .NET regexes see
/// UTF-16 code units, so a character outside the BMP is two surrogates of category Cs: "😀abc" would split before
/// "abc" where Hugging Face keeps "😀abc" together, and 𝐀 would not match \p{L}. Text with surrogates is matched on a
/// stand-in string where each such character is replaced by one BMP character of the same Unicode category, and the
/// matches are mapped back. Text without surrogates, nearly all of it, is matched directly.
/// </summary>
public sealed class UnicodeRegex(string pattern)
{
    private static readonly Dictionary<UnicodeCategory, char> StandIns = BuildStandIns();

    public Regex Regex { get; } = new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);

    /// <summary>The (start, length) of every match, in UTF-16 units of <paramref name="text"/>.</summary>
    public void Matches(string text, List<(int Start, int Length)> matches)
    {
        matches.Clear();
        if (!text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            foreach (var match in Regex.EnumerateMatches(text))
            {
                matches.Add((match.Index, match.Length));
            }

            return;
        }

        var standIn = new StringBuilder(text.Length);
        var originalIndex = new List<int>(text.Length + 1);
        for (var i = 0; i < text.Length; i++)
        {
            originalIndex.Add(i);
            if (char.IsSurrogatePair(text, i))
            {
                standIn.Append(StandIns.GetValueOrDefault(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text, i)), '\uFFFD'));
                i++;
            }
            else
            {
                standIn.Append(text[i]);
            }
        }

        originalIndex.Add(text.Length);
        foreach (var match in Regex.EnumerateMatches(standIn.ToString()))
        {
            var start = originalIndex[match.Index];
            matches.Add((start, originalIndex[match.Index + match.Length] - start));
        }
    }

    /// <summary>For each category, the highest BMP character of it outside ASCII, where no pattern names a literal.</summary>
    private static Dictionary<UnicodeCategory, char> BuildStandIns()
    {
        var standIns = new Dictionary<UnicodeCategory, char>();
        for (var c = 0xFFFD; c > 0x7F; c--)
        {
            if (c is >= 0xD800 and <= 0xDFFF || char.IsWhiteSpace((char)c))
            {
                continue;
            }

            standIns.TryAdd(CharUnicodeInfo.GetUnicodeCategory((char)c), (char)c);
        }

        return standIns;
    }
}
