namespace LlmPlatform.ChatTemplates;

/// <summary>
/// A Python dict: insertion-ordered (tojson and iteration follow the JSON's key order) with Python key
/// equality, so that 1, 1.0 and True are the same key.
/// </summary>
internal sealed class PyDict
{
    private readonly OrderedDictionary<object, object?> entries = new(PyKeyComparer.Instance);

    public int Count => entries.Count;

    public IEnumerable<object> Keys => entries.Keys;

    public IEnumerable<object?> Values => entries.Values;

    public IEnumerable<KeyValuePair<object, object?>> Pairs => entries;

    public bool TryGetValue(object? key, out object? value)
    {
        value = null;
        return key is not null && PyKeyComparer.IsHashable(key) && entries.TryGetValue(key, out value);
    }

    public bool ContainsKey(object? key)
    {
        // None and Undefined are hashable in Python, and never keys here.
        if (key is null or Undefined)
        {
            return false;
        }

        if (!PyKeyComparer.IsHashable(key))
        {
            throw PythonError.Type($"unhashable type: '{PyFormat.TypeName(key)}'");
        }

        return entries.ContainsKey(key);
    }

    public void Set(object? key, object? value)
    {
        if (key is null || !PyKeyComparer.IsHashable(key))
        {
            throw PythonError.Type(key is null ? "None as a dict key is not supported" : $"unhashable type: '{PyFormat.TypeName(key)}'");
        }

        entries[key] = value;
    }
}

/// <summary>Python's hash/equality for dict keys: numbers by value across int, float and bool; tuples by content.</summary>
internal sealed class PyKeyComparer : IEqualityComparer<object>
{
    public static PyKeyComparer Instance { get; } = new();

    public static bool IsHashable(object? key) =>
        key is string or long or double or bool || (key is PyTuple tuple && tuple.Items.All(IsHashable));

    public new bool Equals(object? x, object? y) => PyOps.Equal(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        bool b => b ? 1 : 0,
        long l => l.GetHashCode(),
        double d when d == Math.Floor(d) && Math.Abs(d) < 9.2e18 => ((long)d).GetHashCode(),
        double d => d.GetHashCode(),
        string s => StringComparer.Ordinal.GetHashCode(s),
        PyTuple t => t.Items.Aggregate(17, (hash, item) => (hash * 31) + (item is null ? 0 : GetHashCode(item))),
        _ => throw PythonError.Type($"unhashable type: '{PyFormat.TypeName(obj)}'"),
    };
}
