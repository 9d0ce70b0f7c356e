using System.Text.RegularExpressions;

namespace LlmPlatform.Tokenizers;

/// <summary>tokenizer.json's <c>{"String": ...}</c> or <c>{"Regex": ...}</c> pattern, as one matcher.</summary>
public sealed class PatternMatcher
{
    private readonly string? literal;
    private readonly UnicodeRegex? regex;

    private PatternMatcher(string? literal, UnicodeRegex? regex)
    {
        this.literal = literal;
        this.regex = regex;
    }

    public static PatternMatcher Literal(string text) => new(text, null);

    public static PatternMatcher Pattern(string pattern) => new(null, new UnicodeRegex(pattern));

    public void Matches(string text, List<(int Start, int Length)> matches)
    {
        if (regex is not null)
        {
            regex.Matches(text, matches);
            return;
        }

        matches.Clear();
        if (literal!.Length == 0)
        {
            return;
        }

        for (var at = text.IndexOf(literal, StringComparison.Ordinal); at >= 0; at = text.IndexOf(literal, at + literal.Length, StringComparison.Ordinal))
        {
            matches.Add((at, literal.Length));
        }
    }

    public string Replace(string text, string replacement)
    {
        if (literal is not null)
        {
            return literal.Length == 0 ? text : text.Replace(literal, replacement, StringComparison.Ordinal);
        }

        var matches = new List<(int Start, int Length)>();
        regex!.Matches(text, matches);
        if (matches.Count == 0)
        {
            return text;
        }

        var builder = new System.Text.StringBuilder(text.Length);
        var position = 0;
        foreach (var (start, length) in matches)
        {
            builder.Append(text, position, start - position).Append(replacement);
            position = start + length;
        }

        return builder.Append(text, position, text.Length - position).ToString();
    }
}
