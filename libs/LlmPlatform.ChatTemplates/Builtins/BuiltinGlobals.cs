namespace LlmPlatform.ChatTemplates;

/// <summary>
/// The names every template sees: jinja2's range, dict and namespace, and the two functions
/// transformers adds, raise_exception and strftime_now (which reads the clock it is given).
/// </summary>
internal static class BuiltinGlobals
{
    // jinja2's sandbox refuses ranges longer than this (MAX_RANGE).
    private const int MaxRange = 100_000;

    public static Dictionary<string, object?> Create(TimeProvider clock) => new(StringComparer.Ordinal)
    {
        ["range"] = new PyFunction("range", Range),
        ["dict"] = new PyFunction("dict", a => Dict(a, "dict")),
        ["namespace"] = new PyFunction("namespace", Namespace),
        ["raise_exception"] = new PyFunction("raise_exception", RaiseException),
        ["strftime_now"] = new PyFunction("strftime_now", a => StrftimeNow(a, clock)),
    };

    private static object? Range(CallArguments arguments)
    {
        if (arguments.Keywords.Count > 0 || arguments.Positional.Count is 0 or > 3)
        {
            throw PythonError.Type($"range expected 1 to 3 integer arguments, got {arguments.Positional.Count}");
        }

        var bounds = arguments.Positional.Select(PyOps.ToLong).ToArray();
        var (start, stop, step) = bounds.Length switch
        {
            1 => (0L, bounds[0], 1L),
            2 => (bounds[0], bounds[1], 1L),
            _ => (bounds[0], bounds[1], bounds[2]),
        };
        if (step == 0)
        {
            throw PythonError.Value("range() arg 3 must not be zero");
        }

        var count = step > 0 ? (stop - start + step - 1) / step : (start - stop - step - 1) / -step;
        if (count > MaxRange)
        {
            throw new PythonError("OverflowError", $"Range too big. The sandbox blocks ranges larger than MAX_RANGE ({MaxRange}).");
        }

        var values = new List<object?>();
        for (var i = 0L; i < count; i++)
        {
            values.Add(start + (i * step));
        }

        return values;
    }

    /// <summary>dict(mapping_or_pairs, **kwargs), the arguments namespace() takes too.</summary>
    private static PyDict Dict(CallArguments arguments, string callee)
    {
        if (arguments.Positional.Count > 1)
        {
            throw PythonError.Type($"{callee} expected at most 1 argument, got {arguments.Positional.Count}");
        }

        var dict = new PyDict();
        if (arguments.Positional.Count == 1)
        {
            var source = arguments.Positional[0];
            var pairs = source is PyDict mapping ? PyContainerMethods.Items(mapping) : PyOps.Iterate(source);
            foreach (var pair in pairs)
            {
                var entry = PyOps.Iterate(pair);
                if (entry.Count != 2)
                {
                    throw PythonError.Value($"dictionary update sequence element has length {entry.Count}; 2 is required");
                }

                dict.Set(entry[0], entry[1]);
            }
        }

        foreach (var (key, value) in arguments.Keywords)
        {
            dict.Set(key, value);
        }

        return dict;
    }

    private static Namespace Namespace(CallArguments arguments)
    {
        var ns = new Namespace();
        foreach (var (key, value) in Dict(arguments, "namespace").Pairs)
        {
            ns.SetAttribute(PyFormat.Str(key), value);
        }

        return ns;
    }

    private static object? RaiseException(CallArguments arguments)
    {
        arguments.Require("raise_exception", 1, "message");
        throw new ChatTemplateRaisedException(PyFormat.Str(arguments.Get(0, "message")));
    }

    private static string StrftimeNow(CallArguments arguments, TimeProvider clock)
    {
        arguments.Require("strftime_now", 1, "format");
        return PyStrftime.Format(clock.GetLocalNow(), PyFormat.Str(arguments.Get(0, "format")));
    }
}
