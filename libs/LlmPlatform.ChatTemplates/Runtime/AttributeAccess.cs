namespace LlmPlatform.ChatTemplates;

/// <summary>
/// jinja2's sandboxed getattr and getitem. <c>x.name</c> tries the attribute (a method such as
/// dict.items) before the key; <c>x[key]</c> tries the key before the attribute. A miss is an
/// <see cref="Undefined"/>, except on an Undefined itself, which fails as jinja2 does.
/// </summary>
internal static class AttributeAccess
{
    public static object? GetAttribute(object? target, string name) => target switch
    {
        Undefined undefined => throw undefined.Fail(),
        PyDict dict => PyContainerMethods.Bind(dict, name) ?? (dict.TryGetValue(name, out var value) ? value : Undefined.Member(dict, name)),
        string text => (object?)PyStringMethods.Bind(text, name) ?? Undefined.Member(text, name),
        List<object?> list => PyContainerMethods.Bind(list, name) ?? Undefined.Member(list, name),
        PyTuple tuple => PyContainerMethods.Bind(tuple, name) ?? Undefined.Member(tuple, name),
        Namespace ns => ns.GetAttribute(name),
        LoopContext loop => loop.GetAttribute(name),
        _ => Undefined.Member(target, name),
    };

    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined undefined:
                throw undefined.Fail();
            case PyDict dict when dict.TryGetValue(key, out var value):
                return value;
            case List<object?> list when key is PySlice slice:
                return Select(list, slice);
            case PyTuple tuple when key is PySlice slice:
                return new PyTuple(Select(tuple.Items, slice));
            case string text when key is PySlice slice && PyText.IsBmpOnly(text):
                return string.Concat(slice.Indices(text.Length).Select(i => text[i]));
            case string text when key is PySlice slice:
                return PyText.Concat(Select(PyText.CodePoints(text), slice));
            case List<object?> list when TryIndex(list, key, out var item):
                return item;
            case PyTuple tuple when TryIndex(tuple.Items, key, out var item):
                return item;
            case string text when TryIndex(text, key, out var character):
                return character;
        }

        // jinja2 retries a missing string key as an attribute, which is how d['items'] finds the method.
        return key is string name ? GetAttribute(target, name) : Undefined.Member(target, key);
    }

    private static List<T> Select<T>(IReadOnlyList<T> items, PySlice slice) => [.. slice.Indices(items.Count).Select(i => items[i])];

    private static bool TryIndex<T>(IReadOnlyList<T> items, object? key, out object? item)
    {
        var found = TryPosition(items.Count, key, out var index);
        item = found ? items[index] : null;
        return found;
    }

    /// <summary>One character of a string, counted in code points (directly when all are single UTF-16 units).</summary>
    private static bool TryIndex(string text, object? key, out object? character)
    {
        if (!PyText.IsBmpOnly(text))
        {
            return TryIndex(PyText.CodePoints(text), key, out character);
        }

        var found = TryPosition(text.Length, key, out var index);
        character = found ? text[index].ToString() : null;
        return found;
    }

    /// <summary>Python indexing: an int (or bool), negative from the end, within bounds.</summary>
    private static bool TryPosition(int count, object? key, out int index)
    {
        index = -1;
        if (key is not (bool or long))
        {
            return false;
        }

        var position = PyOps.ToLong(key);
        if (position < 0)
        {
            position += count;
        }

        if (position < 0 || position >= count)
        {
            return false;
        }

        index = (int)position;
        return true;
    }
}
