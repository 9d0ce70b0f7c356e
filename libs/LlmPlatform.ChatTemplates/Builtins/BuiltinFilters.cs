using System.Globalization;
using System.Text;

namespace LlmPlatform.ChatTemplates;

internal delegate object? Filter(object? value, CallArguments arguments);

/// <summary>
/// jinja2's built-in filters that chat templates use, plus transformers' tojson.
/// </summary>
internal static class BuiltinFilters
{
    private static readonly Dictionary<string, Filter> Filters = new(StringComparer.Ordinal)
    {
        ["abs"] = Abs,
        ["attr"] = (value, a) => AttributeAccess.GetAttribute(value, PyFormat.Str(a.Require("attr", 1, "name").Get(0, "name"))),
        ["capitalize"] = (value, a) => PyStringMethods.Capitalize(NoArguments(value, a, "capitalize")),
        ["count"] = (value, a) => PyOps.Length(Checked(value, a, "count")),
        ["default"] = Default,
        ["d"] = Default,
        ["escape"] = (value, a) => Escape(NoArguments(value, a, "escape")),
        ["e"] = (value, a) => Escape(NoArguments(value, a, "e")),
        ["first"] = SequenceFilters.First,
        ["float"] = ToFloat,
        ["indent"] = Indent,
        ["int"] = ToInt,
        ["items"] = SequenceFilters.Items,
        ["join"] = SequenceFilters.Join,
        ["last"] = SequenceFilters.Last,
        ["length"] = (value, a) => PyOps.Length(Checked(value, a, "length")),
        ["list"] = (value, a) => PyOps.Iterate(Checked(value, a, "list")).ToList(),
        ["lower"] = (value, a) => NoArguments(value, a, "lower").ToLowerInvariant(),
        ["map"] = SequenceFilters.Map,
        ["max"] = (value, a) => SequenceFilters.Extreme(value, a, "max", sign: 1),
        ["min"] = (value, a) => SequenceFilters.Extreme(value, a, "min", sign: -1),
        ["reject"] = (value, a) => SequenceFilters.Select(value, a, attribute: false, keep: false),
        ["rejectattr"] = (value, a) => SequenceFilters.Select(value, a, attribute: true, keep: false),
        ["replace"] = Replace,
        ["reverse"] = SequenceFilters.Reverse,
        ["round"] = Round,
        ["safe"] = (value, a) => NoArguments(value, a, "safe"),
        ["select"] = (value, a) => SequenceFilters.Select(value, a, attribute: false, keep: true),
        ["selectattr"] = (value, a) => SequenceFilters.Select(value, a, attribute: true, keep: true),
        ["sort"] = SequenceFilters.Sort,
        ["string"] = (value, a) => NoArguments(value, a, "string"),
        ["sum"] = SequenceFilters.Sum,
        ["title"] = (value, a) => Title(NoArguments(value, a, "title")),
        ["tojson"] = ToJson,
        ["trim"] = Trim,
        ["unique"] = SequenceFilters.Unique,
        ["upper"] = (value, a) => NoArguments(value, a, "upper").ToUpperInvariant(),
        ["wordcount"] = (value, a) => (long)CountWords(NoArguments(value, a, "wordcount")),
    };

    public static bool IsKnown(string name) => Filters.ContainsKey(name);

    public static object? Apply(string name, object? value, CallArguments arguments) =>
        Filters.TryGetValue(name, out var filter)
            ? filter(value, arguments)
            : throw new PythonError("TemplateRuntimeError", $"No filter named '{name}' found.");

    private static object? Checked(object? value, CallArguments arguments, string name)
    {
        arguments.Check(name);
        return value;
    }

    /// <summary>The filters that take no arguments and work on str(value), as jinja2's soft_str.</summary>
    private static string NoArguments(object? value, CallArguments arguments, string name) => PyFormat.Str(Checked(value, arguments, name));

    private static object? Abs(object? value, CallArguments arguments)
    {
        arguments.Check("abs");
        return value switch
        {
            double d => (object)Math.Abs(d),
            bool or long => Math.Abs(PyOps.ToLong(value)),
            _ => throw PythonError.Type($"bad operand type for abs(): '{PyFormat.TypeName(value)}'"),
        };
    }

    /// <summary>default(value, default_value='', boolean=False): replaces undefined, or any falsy value when boolean.</summary>
    private static object? Default(object? value, CallArguments arguments)
    {
        arguments.Check("default", "default_value", "boolean");
        var replace = value is Undefined || (PyOps.Truthy(arguments.Get(1, "boolean", false)) && !PyOps.Truthy(value));
        return replace ? arguments.Get(0, "default_value", "") : value;
    }

    /// <summary>markupsafe.escape: &amp; &lt; &gt; " ' become entities (transformers never autoescapes, so only on request).</summary>
    private static string Escape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal)
        .Replace("\"", "&#34;", StringComparison.Ordinal);

    private static object? ToFloat(object? value, CallArguments arguments)
    {
        arguments.Check("float", "default");
        PyOps.FailIfUndefined(value);
        return TryFloat(value) ?? arguments.Get(0, "default", 0.0);
    }

    private static double? TryFloat(object? value) => value switch
    {
        bool or long or double => PyOps.ToDouble(value),
        string text when TryParseFloat(text, out var number) => number,
        _ => null,
    };

    /// <summary>Python's float(str): surrounding whitespace, underscores between digits, inf and nan spelled out.</summary>
    private static bool TryParseFloat(string text, out double number)
    {
        var trimmed = PyStringMethods.Strip(text, null, start: true, end: true);
        var lowered = trimmed.ToLowerInvariant().TrimStart('+', '-');
        var negative = trimmed.StartsWith('-');
        if (lowered is "inf" or "infinity" or "nan")
        {
            number = lowered == "nan" ? double.NaN : negative ? double.NegativeInfinity : double.PositiveInfinity;
            return trimmed.Length - lowered.Length <= 1;
        }

        number = 0;
        return !trimmed.Contains("__", StringComparison.Ordinal)
            && !trimmed.StartsWith('_') && !trimmed.EndsWith('_')
            && double.TryParse(trimmed.Replace("_", ""), NumberStyles.Float, CultureInfo.InvariantCulture, out number);
    }

    /// <summary>int(value, default=0, base=10): strings in the base, then via float ("42.23"|int is 42), else the default.</summary>
    private static object? ToInt(object? value, CallArguments arguments)
    {
        arguments.Check("int", "default", "base");
        PyOps.FailIfUndefined(value);
        var fallback = arguments.Get(0, "default", 0L);
        var numberBase = (int)PyOps.ToLong(arguments.Get(1, "base", 10L));
        if (value is string text && TryParseInteger(text, numberBase, out var parsed))
        {
            return parsed;
        }

        if (value is bool or long)
        {
            return PyOps.ToLong(value);
        }

        var asFloat = TryFloat(value);
        if (asFloat is not { } d || double.IsNaN(d) || double.IsInfinity(d))
        {
            return fallback;
        }

        var truncated = Math.Truncate(d);
        return truncated is >= -9.2233720368547758e18 and < 9.2233720368547758e18
            ? (long)truncated
            : throw new PythonError("OverflowError", $"{PyFormat.FloatRepr(d)} does not fit in a 64-bit integer");
    }

    private static bool TryParseInteger(string text, int numberBase, out long value)
    {
        value = 0;
        var digits = PyStringMethods.Strip(text, null, start: true, end: true);
        var negative = digits.StartsWith('-');
        if (digits.StartsWith('-') || digits.StartsWith('+'))
        {
            digits = digits[1..];
        }

        var prefix = numberBase switch { 16 => "0x", 8 => "0o", 2 => "0b", _ => null };
        if (prefix is not null && digits.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..].TrimStart('_');
        }

        if (digits.Length == 0 || digits.StartsWith('_') || digits.EndsWith('_') || digits.Contains("__", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in digits.Replace("_", ""))
        {
            var digit = char.IsAsciiDigit(c) ? c - '0' : char.IsAsciiLetter(c) ? char.ToLowerInvariant(c) - 'a' + 10 : int.MaxValue;
            if (digit >= numberBase)
            {
                return false;
            }

            value = checked((value * numberBase) + digit);
        }

        value = negative ? -value : value;
        return true;
    }

    /// <summary>indent(s, width=4, first=False, blank=False), following jinja2's splitlines-based version.</summary>
    private static object? Indent(object? value, CallArguments arguments)
    {
        arguments.Check("indent", "width", "first", "blank");

        // jinja2 appends to the value without converting it, so only strings get through.
        var text = value switch
        {
            string s => s,
            Undefined undefined => throw undefined.Fail(),
            List<object?> => throw new PythonError("AttributeError", "'list' object has no attribute 'splitlines'"),
            _ => throw PythonError.Type($"unsupported operand type(s) for +=: '{PyFormat.TypeName(value)}' and 'str'"),
        };
        var width = arguments.Get(0, "width", 4L);
        var indentation = width as string ?? new string(' ', (int)Math.Max(0, PyOps.ToLong(width)));
        // jinja2 appends a newline first so that a trailing newline yields a last (empty, unindented) line.
        var lines = PyStringMethods.SplitLines(text + "\n", keepEnds: false);
        string result;
        if (PyOps.Truthy(arguments.Get(2, "blank", false)))
        {
            result = string.Join("\n" + indentation, lines);
        }
        else
        {
            var rest = lines.Skip(1).Select(line => line.Length > 0 ? indentation + line : line);
            result = lines[0] + (lines.Count > 1 ? "\n" + string.Join("\n", rest) : "");
        }

        return PyOps.Truthy(arguments.Get(1, "first", false)) ? indentation + result : result;
    }

    private static object? Replace(object? value, CallArguments arguments)
    {
        arguments.Require("replace", 2, "old", "new", "count");
        var count = arguments.Get(2, "count") is { } c ? PyOps.ToLong(c) : -1;
        return PyStringMethods.ReplaceFirst(
            PyFormat.Str(value), PyFormat.Str(arguments.Get(0, "old")), PyFormat.Str(arguments.Get(1, "new")), count);
    }

    private static object? Round(object? value, CallArguments arguments)
    {
        arguments.Check("round", "precision", "method");
        var precision = PyOps.ToLong(arguments.Get(0, "precision", 0L));
        var method = arguments.Get(1, "method", "common");
        if (method is "common")
        {
            return PyRound.Round(value, precision);
        }

        if (method is not ("ceil" or "floor"))
        {
            throw new PythonError("FilterArgumentError", "method must be common, ceil or floor");
        }

        var scale = Math.Pow(10, precision);
        var scaled = PyOps.ToDouble(value) * scale;
        return (method is "ceil" ? Math.Ceiling(scaled) : Math.Floor(scaled)) / scale;
    }

    /// <summary>jinja2's title filter: a word starts after -, whitespace or an opening bracket; the rest is lowered.</summary>
    private static string Title(string text)
    {
        var result = new StringBuilder(text.Length);
        var atWordStart = true;
        foreach (var c in text)
        {
            var separator = c is '-' or '(' or '{' or '[' or '<' || PyText.IsWhiteSpace(c);
            result.Append(separator ? c : atWordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            atWordStart = separator;
        }

        return result.ToString();
    }

    /// <summary>transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False).</summary>
    private static object? ToJson(object? value, CallArguments arguments)
    {
        arguments.Check("tojson", "ensure_ascii", "indent", "separators", "sort_keys");
        return PyJson.Dumps(
            value,
            arguments.Get(1, "indent"),
            arguments.Get(2, "separators"),
            PyOps.Truthy(arguments.Get(3, "sort_keys", false)),
            PyOps.Truthy(arguments.Get(0, "ensure_ascii", false)));
    }

    private static object? Trim(object? value, CallArguments arguments)
    {
        arguments.Check("trim", "chars");
        var chars = arguments.Get(0, "chars");
        return PyStringMethods.Strip(PyFormat.Str(value), chars is null ? null : PyFormat.Str(chars), start: true, end: true);
    }

    /// <summary>Counts runs of \w as Python's re does (letters, digits, underscore).</summary>
    private static int CountWords(string text)
    {
        var count = 0;
        var inWord = false;
        foreach (var c in text)
        {
            var isWordChar = char.IsLetterOrDigit(c) || c == '_';
            count += isWordChar && !inWord ? 1 : 0;
            inWord = isWordChar;
        }

        return count;
    }
}
