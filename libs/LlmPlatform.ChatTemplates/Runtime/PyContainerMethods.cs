namespace LlmPlatform.ChatTemplates;

/// <summary>
/// The dict, list and tuple methods a template can reach. As in transformers' immutable sandbox,
/// the mutating ones (list.append, dict.update, ...) resolve to an undefined that fails when called.
/// </summary>
internal static class PyContainerMethods
{
    private static readonly HashSet<string> MutatingDictMethods = ["pop", "popitem", "setdefault", "update", "clear"];
    private static readonly HashSet<string> MutatingListMethods = ["append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear"];

    public static object? Bind(PyDict dict, string name) => name switch
    {
        "items" => Method(dict, name, a => NoArguments(a, name, () => Items(dict))),
        "keys" => Method(dict, name, a => NoArguments(a, name, () => dict.Keys.ToList<object?>())),
        "values" => Method(dict, name, a => NoArguments(a, name, () => dict.Values.ToList())),
        "get" => Method(dict, name, a =>
        {
            a.Require(name, 1, "key", "default");
            return dict.TryGetValue(a.Get(0, "key"), out var value) ? value : a.Get(1, "default");
        }),
        "copy" => Method(dict, name, a => NoArguments(a, name, () => Copy(dict))),
        _ when MutatingDictMethods.Contains(name) => Undefined.Unsafe(dict, name),
        _ => null,
    };

    public static object? Bind(List<object?> list, string name) => name switch
    {
        "index" => Method(list, name, a => Index(list, a, "list")),
        "count" => Method(list, name, a => Count(list, a)),
        "copy" => Method(list, name, a => NoArguments(a, name, () => new List<object?>(list))),
        _ when MutatingListMethods.Contains(name) => Undefined.Unsafe(list, name),
        _ => null,
    };

    public static object? Bind(PyTuple tuple, string name) => name switch
    {
        "index" => Method(tuple, name, a => Index(tuple.Items, a, "tuple")),
        "count" => Method(tuple, name, a => Count(tuple.Items, a)),
        _ => null,
    };

    /// <summary>dict.items() as a list of (key, value) tuples; Python's view iterates the same way.</summary>
    public static List<object?> Items(PyDict dict) => [.. dict.Pairs.Select(p => new PyTuple([p.Key, p.Value]))];

    private static PyDict Copy(PyDict dict)
    {
        var copy = new PyDict();
        foreach (var (key, value) in dict.Pairs)
        {
            copy.Set(key, value);
        }

        return copy;
    }

    private static PyFunction Method(object receiver, string name, Func<CallArguments, object?> body) => new(name, body, receiver);

    private static object? NoArguments(CallArguments arguments, string name, Func<object?> body)
    {
        arguments.Check(name);
        return body();
    }

    private static object Index(IReadOnlyList<object?> items, CallArguments arguments, string typeName)
    {
        arguments.Require("index", 1, "value");
        var value = arguments.Get(0, "value");
        for (var i = 0; i < items.Count; i++)
        {
            if (PyOps.Equal(items[i], value))
            {
                return (long)i;
            }
        }

        throw PythonError.Value(typeName == "list" ? $"{PyFormat.Repr(value)} is not in list" : "tuple.index(x): x not in tuple");
    }

    private static object Count(IReadOnlyList<object?> items, CallArguments arguments)
    {
        arguments.Require("count", 1, "value");
        var value = arguments.Get(0, "value");
        return (long)items.Count(item => PyOps.Equal(item, value));
    }
}
