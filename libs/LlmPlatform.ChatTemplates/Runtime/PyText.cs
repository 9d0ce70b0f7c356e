using System.Text;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Python's view of strings: whitespace as str.isspace() defines it, and indexing by code point
/// (a str of one emoji has length 1 in Python, 2 in UTF-16).
/// </summary>
internal static class PyText
{
    /// <summary>str.isspace() for one code unit: .NET's set plus the four separators U+001C..U+001F.</summary>
    public static bool IsWhiteSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001c' and <= '\u001f';

    public static bool IsAllWhiteSpace(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!IsWhiteSpace(c))
            {
                return false;
            }
        }

        return true;
    }

    public static string StripEnd(string text)
    {
        var end = text.Length;
        while (end > 0 && IsWhiteSpace(text[end - 1]))
        {
            end--;
        }

        return text[..end];
    }

    /// <summary>True when every code point is one UTF-16 unit, so string indices are Python indices.</summary>
    public static bool IsBmpOnly(string text) => text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0;

    /// <summary>The code points of <paramref name="text"/>, each as its own string.</summary>
    public static List<string> CodePoints(string text)
    {
        var result = new List<string>(text.Length);
        if (IsBmpOnly(text))
        {
            foreach (var c in text)
            {
                result.Add(c.ToString());
            }

            return result;
        }

        for (var i = 0; i < text.Length; i++)
        {
            // A lone surrogate stays a code point of its own, as in Python.
            var width = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            result.Add(text.Substring(i, width));
            i += width - 1;
        }

        return result;
    }

    public static int Length(string text) => IsBmpOnly(text) ? text.Length : CodePoints(text).Count;

    public static string Concat(IEnumerable<string> codePoints)
    {
        var builder = new StringBuilder();
        foreach (var codePoint in codePoints)
        {
            builder.Append(codePoint);
        }

        return builder.ToString();
    }
}
