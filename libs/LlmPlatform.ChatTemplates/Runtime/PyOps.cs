namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Python semantics for the operators templates use: truthiness, ==, ordering, 'in', iteration and
/// len(). Values are null (None), bool, long (int), double (float), string, List&lt;object?&gt;,
/// <see cref="PyTuple"/>, <see cref="PyDict"/> and the runtime objects.
/// </summary>
internal static class PyOps
{
    public static bool Truthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        PyTuple tuple => tuple.Items.Count > 0,
        PyDict dict => dict.Count > 0,
        Undefined => false,
        _ => true,
    };

    public static bool IsNumber(object? value) => value is bool or long or double;

    public static bool Equal(object? left, object? right)
    {
        if (IsNumber(left) && IsNumber(right))
        {
            return left is double || right is double
                ? ToDouble(left) == ToDouble(right)
                : ToLong(left) == ToLong(right);
        }

        return (left, right) switch
        {
            (null, null) => true,
            (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
            (List<object?> a, List<object?> b) => SequenceEqual(a, b),
            (PyTuple a, PyTuple b) => SequenceEqual(a.Items, b.Items),
            (PyDict a, PyDict b) => a.Count == b.Count && a.Pairs.All(p => b.TryGetValue(p.Key, out var v) && Equal(p.Value, v)),
            (Undefined, Undefined) => true,
            _ => ReferenceEquals(left, right),
        };
    }

    /// <summary>Ordering for &lt; &lt;= &gt; &gt;= and sorting; a TypeError where Python has no order.</summary>
    public static int Compare(object? left, object? right, string symbol = "<")
    {
        FailIfUndefined(left, right);
        if (IsNumber(left) && IsNumber(right))
        {
            return left is double || right is double
                ? ToDouble(left).CompareTo(ToDouble(right))
                : ToLong(left).CompareTo(ToLong(right));
        }

        return (left, right) switch
        {
            (string a, string b) => CompareStrings(a, b),
            (List<object?> a, List<object?> b) => CompareSequences(a, b, symbol),
            (PyTuple a, PyTuple b) => CompareSequences(a.Items, b.Items, symbol),
            _ => throw PythonError.Type($"'{symbol}' not supported between instances of '{PyFormat.TypeName(left)}' and '{PyFormat.TypeName(right)}'"),
        };
    }

    /// <summary>Python orders strings by code point; UTF-16 order differs only when surrogates meet U+E000..U+FFFF.</summary>
    private static int CompareStrings(string left, string right)
    {
        var length = Math.Min(left.Length, right.Length);
        for (var i = 0; i < length; i++)
        {
            int a = left[i], b = right[i];
            if (a == b)
            {
                continue;
            }

            if (a >= 0xD800 && b >= 0xD800)
            {
                a += a >= 0xE000 ? -0x800 : 0x2000;
                b += b >= 0xE000 ? -0x800 : 0x2000;
            }

            return a.CompareTo(b);
        }

        return left.Length.CompareTo(right.Length);
    }

    public static bool Contains(object? container, object? item)
    {
        switch (container)
        {
            case string text:
                return item is string part
                    ? text.Contains(part, StringComparison.Ordinal)
                    : throw PythonError.Type($"'in <string>' requires string as left operand, not {PyFormat.TypeName(item)}");
            case List<object?> list:
                return list.Any(element => Equal(element, item));
            case PyTuple tuple:
                return tuple.Items.Any(element => Equal(element, item));
            case PyDict dict:
                return dict.ContainsKey(item);
            case Undefined:
                return false;
            default:
                throw PythonError.Type($"argument of type '{PyFormat.TypeName(container)}' is not iterable");
        }
    }

    /// <summary>What a for loop over the value visits: items, dict keys, or the code points of a string.</summary>
    public static IReadOnlyList<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        PyTuple tuple => tuple.Items,
        PyDict dict => dict.Keys.ToList<object?>(),
        string text => PyText.CodePoints(text),
        Undefined => [],
        _ => throw PythonError.Type($"'{PyFormat.TypeName(value)}' object is not iterable"),
    };

    public static bool IsIterable(object? value) => value is List<object?> or PyTuple or PyDict or string or Undefined;

    public static long Length(object? value) => value switch
    {
        string text => PyText.Length(text),
        List<object?> list => list.Count,
        PyTuple tuple => tuple.Items.Count,
        PyDict dict => dict.Count,
        Undefined => 0,
        _ => throw PythonError.Type($"object of type '{PyFormat.TypeName(value)}' has no len()"),
    };

    public static long ToLong(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        _ => throw PythonError.Type($"'{PyFormat.TypeName(value)}' object cannot be interpreted as an integer"),
    };

    public static double ToDouble(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        long l => l,
        double d => d,
        _ => throw PythonError.Type($"must be real number, not {PyFormat.TypeName(value)}"),
    };

    public static void FailIfUndefined(object? left, object? right = null)
    {
        if (left is Undefined undefinedLeft)
        {
            throw undefinedLeft.Fail();
        }

        if (right is Undefined undefinedRight)
        {
            throw undefinedRight.Fail();
        }
    }

    private static bool SequenceEqual(IReadOnlyList<object?> left, IReadOnlyList<object?> right)
    {
        if (left.Count != right.Count)
        {
            return false;
        }

        for (var i = 0; i < left.Count; i++)
        {
            if (!Equal(left[i], right[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static int CompareSequences(IReadOnlyList<object?> left, IReadOnlyList<object?> right, string symbol)
    {
        for (var i = 0; i < Math.Min(left.Count, right.Count); i++)
        {
            if (!Equal(left[i], right[i]))
            {
                return Compare(left[i], right[i], symbol);
            }
        }

        return left.Count.CompareTo(right.Count);
    }
}
