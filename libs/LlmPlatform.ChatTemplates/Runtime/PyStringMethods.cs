using System.Text;

namespace LlmPlatform.ChatTemplates;

/// <summary>The str methods chat templates call (strip, split, startswith, ...), with Python's semantics.</summary>
internal static class PyStringMethods
{
    public static PyFunction? Bind(string text, string name)
    {
        Func<CallArguments, object?>? body = name switch
        {
            "strip" => a => Strip(text, Chars(a, name), start: true, end: true),
            "lstrip" => a => Strip(text, Chars(a, name), start: true, end: false),
            "rstrip" => a => Strip(text, Chars(a, name), start: false, end: true),
            "split" => a => Split(text, a, name, fromRight: false),
            "rsplit" => a => Split(text, a, name, fromRight: true),
            "splitlines" => a => SplitLines(text, PyOps.Truthy(a.Check(name, "keepends").Get(0, "keepends", false))).ToList<object?>(),
            "startswith" => a => Affix(text, a, name, (t, p) => t.StartsWith(p, StringComparison.Ordinal)),
            "endswith" => a => Affix(text, a, name, (t, p) => t.EndsWith(p, StringComparison.Ordinal)),
            "upper" => a => NoArguments(a, name, text.ToUpperInvariant()),
            "lower" => a => NoArguments(a, name, text.ToLowerInvariant()),
            "title" => a => NoArguments(a, name, Title(text)),
            "capitalize" => a => NoArguments(a, name, Capitalize(text)),
            "replace" => a => Replace(text, a),
            "find" => a => Find(text, Substring(a, name), fromRight: false),
            "rfind" => a => Find(text, Substring(a, name), fromRight: true),
            "index" => a => Find(text, Substring(a, name), fromRight: false) is var i and >= 0 ? i : throw PythonError.Value("substring not found"),
            "count" => a => Count(text, Substring(a, name)),
            "join" => a => Join(text, a),
            "isdigit" => a => NoArguments(a, name, text.Length > 0 && text.All(char.IsDigit)),
            "isalpha" => a => NoArguments(a, name, text.Length > 0 && text.All(char.IsLetter)),
            "isalnum" => a => NoArguments(a, name, text.Length > 0 && text.All(char.IsLetterOrDigit)),
            "isspace" => a => NoArguments(a, name, text.Length > 0 && PyText.IsAllWhiteSpace(text)),
            "isupper" => a => NoArguments(a, name, text.Any(IsCased) && !text.Any(char.IsLower)),
            "islower" => a => NoArguments(a, name, text.Any(IsCased) && !text.Any(char.IsUpper)),
            _ => null,
        };
        return body is null ? null : new PyFunction(name, body, text);
    }

    /// <summary>str.strip([chars]): whitespace by default, otherwise any of the given code points.</summary>
    public static string Strip(string text, string? chars, bool start, bool end)
    {
        // Whitespace is never a surrogate, so only stripping a set of astral characters needs code points.
        if (chars is null || (PyText.IsBmpOnly(chars) && PyText.IsBmpOnly(text)))
        {
            Func<char, bool> isStripped = chars is null ? PyText.IsWhiteSpace : chars.Contains;
            int from = 0, to = text.Length;
            while (start && from < to && isStripped(text[from]))
            {
                from++;
            }

            while (end && to > from && isStripped(text[to - 1]))
            {
                to--;
            }

            return text[from..to];
        }

        Func<string, bool> strippable = chars is null
            ? c => c.Length == 1 && PyText.IsWhiteSpace(c[0])
            : PyText.CodePoints(chars).ToHashSet().Contains;
        var codePoints = PyText.CodePoints(text);
        int first = 0, last = codePoints.Count;
        while (start && first < last && strippable(codePoints[first]))
        {
            first++;
        }

        while (end && last > first && strippable(codePoints[last - 1]))
        {
            last--;
        }

        return first == 0 && last == codePoints.Count ? text : PyText.Concat(codePoints.Skip(first).Take(last - first));
    }

    /// <summary>str.title(): a letter after a cased letter is lowered, any other letter is uppercased.</summary>
    public static string Title(string text)
    {
        var result = new StringBuilder(text.Length);
        var previousIsCased = false;
        foreach (var c in text)
        {
            result.Append(previousIsCased ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsCased = IsCased(c);
        }

        return result.ToString();
    }

    public static string Capitalize(string text) =>
        text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();

    private static bool IsCased(char c) => char.IsUpper(c) || char.IsLower(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.TitlecaseLetter;

    private static string? Chars(CallArguments arguments, string name) => arguments.Check(name, "chars").Get(0, "chars") switch
    {
        null => null,
        string chars => chars,
        var other => throw PythonError.Type($"{name} arg must be None or str, not {PyFormat.TypeName(other)}"),
    };

    private static object NoArguments(CallArguments arguments, string name, object result)
    {
        arguments.Check(name);
        return result;
    }

    private static string Substring(CallArguments arguments, string name) => arguments.Require(name, 1, "sub").Get(0, "sub") switch
    {
        string sub => sub,
        var other => throw PythonError.Type($"must be str, not {PyFormat.TypeName(other)}"),
    };

    private static List<object?> Split(string text, CallArguments arguments, string name, bool fromRight)
    {
        arguments.Check(name, "sep", "maxsplit");
        var separator = arguments.Get(0, "sep") switch
        {
            null => null,
            string s when s.Length == 0 => throw PythonError.Value("empty separator"),
            string s => s,
            var other => throw PythonError.Type($"must be str or None, not {PyFormat.TypeName(other)}"),
        };
        var limit = PyOps.ToLong(arguments.Get(1, "maxsplit", -1L));
        var parts = separator is null ? SplitOnWhiteSpace(text, limit, fromRight) : SplitOn(text, separator, limit, fromRight);
        return [.. parts];
    }

    private static List<string> SplitOn(string text, string separator, long limit, bool fromRight)
    {
        var parts = new List<string>();
        if (!fromRight)
        {
            var start = 0;
            for (var at = text.IndexOf(separator, StringComparison.Ordinal); at >= 0 && (limit < 0 || parts.Count < limit);
                 at = text.IndexOf(separator, start, StringComparison.Ordinal))
            {
                parts.Add(text[start..at]);
                start = at + separator.Length;
            }

            parts.Add(text[start..]);
            return parts;
        }

        var end = text.Length;
        while ((limit < 0 || parts.Count < limit) && end > 0)
        {
            var at = text.LastIndexOf(separator, end - 1, end, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            parts.Add(text[(at + separator.Length)..end]);
            end = at;
        }

        parts.Add(text[..end]);
        parts.Reverse();
        return parts;
    }

    /// <summary>split() without a separator: runs of whitespace separate, and leading/trailing whitespace yields no empty parts.</summary>
    private static List<string> SplitOnWhiteSpace(string text, long limit, bool fromRight)
    {
        var words = new List<(int Start, int End)>();
        for (var i = 0; i < text.Length;)
        {
            while (i < text.Length && PyText.IsWhiteSpace(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && !PyText.IsWhiteSpace(text[i]))
            {
                i++;
            }

            if (i > start)
            {
                words.Add((start, i));
            }
        }

        if (limit < 0 || words.Count <= limit)
        {
            return [.. words.Select(w => text[w.Start..w.End])];
        }

        // The unsplit remainder keeps its inner and outer whitespace, as in Python.
        var kept = (int)limit;
        return fromRight
            ? [text[..words[^(kept + 1)].End], .. words.TakeLast(kept).Select(w => text[w.Start..w.End])]
            : [.. words.Take(kept).Select(w => text[w.Start..w.End]), text[words[kept].Start..]];
    }

    public static List<string> SplitLines(string text, bool keepEnds)
    {
        var lines = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is not ('\n' or '\r' or '\v' or '\f' or '\x1c' or '\x1d' or '\x1e' or '\x85' or '\u2028' or '\u2029'))
            {
                continue;
            }

            var breakEnd = c == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? i + 2 : i + 1;
            lines.Add(text[start..(keepEnds ? breakEnd : i)]);
            start = breakEnd;
            i = breakEnd - 1;
        }

        if (start < text.Length)
        {
            lines.Add(text[start..]);
        }

        return lines;
    }

    private static bool Affix(string text, CallArguments arguments, string name, Func<string, string, bool> matches)
    {
        arguments.Require(name, 1, "prefix");
        return arguments.Get(0, "prefix") switch
        {
            string affix => matches(text, affix),
            PyTuple tuple when tuple.Items.All(i => i is string) => tuple.Items.Any(i => matches(text, (string)i!)),
            var other => throw PythonError.Type($"{name} first arg must be str or a tuple of str, not {PyFormat.TypeName(other)}"),
        };
    }

    private static string Replace(string text, CallArguments arguments)
    {
        arguments.Require("replace", 2, "old", "new", "count");
        if (arguments.Get(0, "old") is not string old || arguments.Get(1, "new") is not string replacement)
        {
            throw PythonError.Type("replace() arguments must be str");
        }

        var count = PyOps.ToLong(arguments.Get(2, "count", -1L));
        return ReplaceFirst(text, old, replacement, count);
    }

    /// <summary>str.replace with a count; an empty <paramref name="old"/> inserts between code points, as Python does.</summary>
    public static string ReplaceFirst(string text, string old, string replacement, long count)
    {
        if (count < 0 && old.Length > 0)
        {
            return text.Replace(old, replacement, StringComparison.Ordinal);
        }

        var result = new StringBuilder();
        if (old.Length == 0)
        {
            var codePoints = PyText.CodePoints(text);
            for (var i = 0; i <= codePoints.Count; i++)
            {
                if (count < 0 || i < count)
                {
                    result.Append(replacement);
                }

                if (i < codePoints.Count)
                {
                    result.Append(codePoints[i]);
                }
            }

            return result.ToString();
        }

        var start = 0;
        for (var done = 0L; done < count; done++)
        {
            var at = text.IndexOf(old, start, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            result.Append(text, start, at - start).Append(replacement);
            start = at + old.Length;
        }

        return result.Append(text, start, text.Length - start).ToString();
    }

    /// <summary>find/rfind, returning a code point index as Python does.</summary>
    private static long Find(string text, string sub, bool fromRight)
    {
        var at = fromRight ? text.LastIndexOf(sub, StringComparison.Ordinal) : text.IndexOf(sub, StringComparison.Ordinal);
        return at < 0 ? -1 : PyText.Length(text[..at]);
    }

    private static long Count(string text, string sub)
    {
        if (sub.Length == 0)
        {
            return PyText.Length(text) + 1;
        }

        var count = 0L;
        for (var at = text.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = text.IndexOf(sub, at + sub.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static string Join(string separator, CallArguments arguments)
    {
        arguments.Require("join", 1, "iterable");
        var items = PyOps.Iterate(arguments.Get(0, "iterable"));
        var parts = new List<string>(items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            parts.Add(items[i] as string
                ?? throw PythonError.Type($"sequence item {i}: expected str instance, {PyFormat.TypeName(items[i])} found"));
        }

        return string.Join(separator, parts);
    }
}
