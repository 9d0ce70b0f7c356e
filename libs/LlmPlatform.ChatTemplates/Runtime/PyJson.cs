using System.Globalization;
using System.Text;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// The tojson filter transformers installs: json.dumps(x, ensure_ascii=False, indent=indent,
/// separators=separators, sort_keys=sort_keys). So: no HTML escaping, non-ASCII kept, keys in insertion
/// order, ", " and ": " separators (or "," and ": " once indented).
/// </summary>
internal sealed class PyJson
{
    private readonly string? indent;
    private readonly string itemSeparator;
    private readonly string keySeparator;
    private readonly bool sortKeys;
    private readonly bool ensureAscii;
    private readonly StringBuilder output = new();

    private PyJson(string? indent, string itemSeparator, string keySeparator, bool sortKeys, bool ensureAscii)
    {
        this.indent = indent;
        this.itemSeparator = itemSeparator;
        this.keySeparator = keySeparator;
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
    }

    /// <param name="value">The value to serialize.</param>
    /// <param name="indent">null, a number of spaces, or the indentation string itself.</param>
    /// <param name="separators">null or an (item, key) pair of strings.</param>
    /// <param name="sortKeys">Sort object keys instead of keeping insertion order.</param>
    /// <param name="ensureAscii">Escape every non-ASCII character as \uXXXX.</param>
    public static string Dumps(object? value, object? indent, object? separators, bool sortKeys, bool ensureAscii)
    {
        var indentText = indent switch
        {
            null => null,
            string text => text,
            bool or long => new string(' ', (int)Math.Max(0, PyOps.ToLong(indent))),
            _ => throw PythonError.Type($"indent must be an int or a str, not {PyFormat.TypeName(indent)}"),
        };
        var (item, key) = separators switch
        {
            null => (indentText is null ? ", " : ",", ": "),
            List<object?> { Count: 2 } or PyTuple { Items.Count: 2 } => SeparatorPair(PyOps.Iterate(separators)),
            _ => throw PythonError.Value("separators must be an (item_separator, key_separator) pair"),
        };
        var json = new PyJson(indentText, item, key, sortKeys, ensureAscii);
        json.Write(value, 0);
        return json.output.ToString();
    }

    private static (string, string) SeparatorPair(IReadOnlyList<object?> pair) =>
        pair[0] is string item && pair[1] is string key
            ? (item, key)
            : throw PythonError.Type("separators must be strings");

    private void Write(object? value, int depth)
    {
        switch (value)
        {
            case null: output.Append("null"); break;
            case bool b: output.Append(b ? "true" : "false"); break;
            case long l: output.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: output.Append(FloatText(d)); break;
            case string s: WriteString(s); break;
            case List<object?> list: WriteArray(list, depth); break;
            case PyTuple tuple: WriteArray(tuple.Items, depth); break;
            case PyDict dict: WriteObject(dict, depth); break;
            default: throw PythonError.Type($"Object of type {PyFormat.TypeName(value)} is not JSON serializable");
        }
    }

    private static string FloatText(double value) => value switch
    {
        double.NaN => "NaN",
        double.PositiveInfinity => "Infinity",
        double.NegativeInfinity => "-Infinity",
        _ => PyFormat.FloatRepr(value),
    };

    private void WriteArray(IReadOnlyList<object?> items, int depth)
    {
        if (items.Count == 0)
        {
            output.Append("[]");
            return;
        }

        output.Append('[');
        for (var i = 0; i < items.Count; i++)
        {
            Separate(i, depth + 1);
            Write(items[i], depth + 1);
        }

        Close(']', depth);
    }

    private void WriteObject(PyDict dict, int depth)
    {
        if (dict.Count == 0)
        {
            output.Append("{}");
            return;
        }

        var pairs = dict.Pairs.ToList();
        if (sortKeys)
        {
            pairs.Sort((a, b) => PyOps.Compare(a.Key, b.Key));
        }

        output.Append('{');
        for (var i = 0; i < pairs.Count; i++)
        {
            Separate(i, depth + 1);
            WriteString(KeyText(pairs[i].Key));
            output.Append(keySeparator);
            Write(pairs[i].Value, depth + 1);
        }

        Close('}', depth);
    }

    /// <summary>json.dumps turns non-string keys into strings rather than failing.</summary>
    private static string KeyText(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatText(d),
        _ => throw PythonError.Type($"keys must be str, int, float, bool or None, not {PyFormat.TypeName(key)}"),
    };

    private void Separate(int index, int depth)
    {
        if (index > 0)
        {
            output.Append(itemSeparator);
        }

        NewLine(depth);
    }

    private void Close(char bracket, int depth)
    {
        NewLine(depth);
        output.Append(bracket);
    }

    private void NewLine(int depth)
    {
        if (indent is null)
        {
            return;
        }

        output.Append('\n');
        for (var i = 0; i < depth; i++)
        {
            output.Append(indent);
        }
    }

    private void WriteString(string text)
    {
        output.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': output.Append("\\\""); break;
                case '\\': output.Append("\\\\"); break;
                case '\n': output.Append("\\n"); break;
                case '\r': output.Append("\\r"); break;
                case '\t': output.Append("\\t"); break;
                case '\b': output.Append("\\b"); break;
                case '\f': output.Append("\\f"); break;
                case < ' ' or > '~' when c < ' ' || ensureAscii: output.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"); break;
                default: output.Append(c); break;
            }
        }

        output.Append('"');
    }
}
