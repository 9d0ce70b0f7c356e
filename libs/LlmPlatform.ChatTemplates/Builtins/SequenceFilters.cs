namespace LlmPlatform.ChatTemplates;

/// <summary>The filters over sequences: first/last, join, map, select/reject(attr), sort, unique, reverse, items.</summary>
internal static class SequenceFilters
{
    public static object? First(object? value, CallArguments arguments)
    {
        arguments.Check("first");
        var items = PyOps.Iterate(value);
        return items.Count > 0 ? items[0] : Undefined.WithHint("No first item, sequence was empty.");
    }

    public static object? Last(object? value, CallArguments arguments)
    {
        arguments.Check("last");
        var items = PyOps.Iterate(value);
        return items.Count > 0 ? items[^1] : Undefined.WithHint("No last item, sequence was empty.");
    }

    public static object? Items(object? value, CallArguments arguments)
    {
        arguments.Check("items");
        return value switch
        {
            Undefined => new List<object?>(),
            PyDict dict => PyContainerMethods.Items(dict),
            _ => throw PythonError.Type("Can only get item pairs from a mapping."),
        };
    }

    /// <summary>join(value, d='', attribute=None): str() of each item, so None joins as "None".</summary>
    public static object? Join(object? value, CallArguments arguments)
    {
        arguments.Check("join", "d", "attribute");
        var items = PyOps.Iterate(value);
        if (arguments.Get(1, "attribute") is { } attribute)
        {
            var getter = AttributeGetter(attribute, fallback: null);
            items = [.. items.Select(getter)];
        }

        return string.Join(PyFormat.Str(arguments.Get(0, "d", "")), items.Select(PyFormat.Str));
    }

    /// <summary>map(attribute='x', default=None) or map('filter', *args): applied to each item.</summary>
    public static object? Map(object? value, CallArguments arguments)
    {
        Func<object?, object?> transform;
        if (arguments.Positional.Count == 0 && arguments.HasKeyword("attribute"))
        {
            arguments.Check("map", "attribute", "default");
            transform = AttributeGetter(arguments.Keyword("attribute"), arguments.Keyword("default"));
        }
        else
        {
            if (arguments.Positional.Count == 0 || arguments.Positional[0] is not string filter)
            {
                throw new PythonError("FilterArgumentError", "map requires a filter argument");
            }

            var rest = new CallArguments([.. arguments.Positional.Skip(1)], arguments.Keywords);
            transform = item => BuiltinFilters.Apply(filter, item, rest);
        }

        return PyOps.Truthy(value) ? PyOps.Iterate(value).Select(transform).ToList() : [];
    }

    /// <summary>select/reject(test, *args) and selectattr/rejectattr(attribute, test, *args); without a test, truthiness.</summary>
    public static object? Select(object? value, CallArguments arguments, bool attribute, bool keep)
    {
        var offset = attribute ? 1 : 0;
        if (attribute && arguments.Positional.Count == 0)
        {
            throw new PythonError("FilterArgumentError", "Missing parameter for attribute name");
        }

        var pick = attribute ? AttributeGetter(arguments.Positional[0], fallback: null) : item => item;
        Func<object?, bool> test = PyOps.Truthy;
        if (arguments.Positional.Count > offset)
        {
            var name = PyFormat.Str(arguments.Positional[offset]);
            var testArguments = new CallArguments([.. arguments.Positional.Skip(offset + 1)], arguments.Keywords);
            test = item => BuiltinTests.Run(name, item, testArguments);
        }

        return PyOps.Truthy(value) ? PyOps.Iterate(value).Where(item => test(pick(item)) == keep).ToList() : [];
    }

    public static object? Reverse(object? value, CallArguments arguments)
    {
        arguments.Check("reverse");
        if (value is string text)
        {
            return PyText.Concat(Enumerable.Reverse(PyText.CodePoints(text)));
        }

        return PyOps.IsIterable(value)
            ? PyOps.Iterate(value).Reverse().ToList()
            : throw new PythonError("FilterArgumentError", "argument must be iterable");
    }

    /// <summary>sort(value, reverse=False, case_sensitive=False, attribute=None): stable, strings compared lowercased by default.</summary>
    public static object? Sort(object? value, CallArguments arguments)
    {
        arguments.Check("sort", "reverse", "case_sensitive", "attribute");
        var descending = PyOps.Truthy(arguments.Get(0, "reverse", false));
        var caseSensitive = PyOps.Truthy(arguments.Get(1, "case_sensitive", false));
        var attribute = arguments.Get(2, "attribute");

        // As jinja2's make_multi_attrgetter: "a,b" sorts by a then b.
        var getters = attribute is string names
            ? names.Split(',').Select(name => AttributeGetter(name, fallback: null)).ToList()
            : [attribute is null ? item => item : AttributeGetter(attribute, fallback: null)];
        object? Key(object? item) => new List<object?>(getters.Select(get => caseSensitive ? get(item) : IgnoreCase(get(item))));

        var items = PyOps.Iterate(value).Select(item => (Item: item, Key: Key(item))).ToList();
        var ordered = StableSort(items, (a, b) => PyOps.Compare(a.Key, b.Key) * (descending ? -1 : 1));
        return ordered.Select(pair => pair.Item).ToList();
    }

    /// <summary>sum(iterable, attribute=None, start=0), adding with Python's +.</summary>
    public static object? Sum(object? value, CallArguments arguments)
    {
        arguments.Check("sum", "attribute", "start");
        var items = PyOps.Iterate(value);
        if (arguments.Get(0, "attribute") is { } attribute)
        {
            items = [.. items.Select(AttributeGetter(attribute, fallback: null))];
        }

        return items.Aggregate(arguments.Get(1, "start", 0L), (total, item) => PyArithmetic.Apply(BinaryOperator.Add, total, item));
    }

    /// <summary>max/min(value, case_sensitive=False, attribute=None): the first extreme item, strings compared lowercased.</summary>
    public static object? Extreme(object? value, CallArguments arguments, string name, int sign)
    {
        arguments.Check(name, "case_sensitive", "attribute");
        var caseSensitive = PyOps.Truthy(arguments.Get(0, "case_sensitive", false));
        var attribute = arguments.Get(1, "attribute");
        var getter = attribute is null ? item => item : AttributeGetter(attribute, fallback: null);
        object? Key(object? item) => caseSensitive ? getter(item) : IgnoreCase(getter(item));
        var items = PyOps.Iterate(value);
        if (items.Count == 0)
        {
            return Undefined.WithHint("No aggregated item, sequence was empty.");
        }

        var best = items[0];
        foreach (var item in items.Skip(1))
        {
            if (PyOps.Compare(Key(item), Key(best), sign > 0 ? ">" : "<") * sign > 0)
            {
                best = item;
            }
        }

        return best;
    }

    /// <summary>unique(value, case_sensitive=False, attribute=None): first occurrence of each key, in order.</summary>
    public static object? Unique(object? value, CallArguments arguments)
    {
        arguments.Check("unique", "case_sensitive", "attribute");
        var caseSensitive = PyOps.Truthy(arguments.Get(0, "case_sensitive", false));
        var attribute = arguments.Get(1, "attribute");
        var getter = attribute is null ? item => item : AttributeGetter(attribute, fallback: null);
        var seen = new HashSet<object>(PyKeyComparer.Instance);
        var seenNone = false;
        var result = new List<object?>();
        foreach (var item in PyOps.Iterate(value))
        {
            var key = caseSensitive ? getter(item) : IgnoreCase(getter(item));
            var isNew = key is null ? !seenNone : seen.Add(key);
            seenNone |= key is null;
            if (isNew)
            {
                result.Add(item);
            }
        }

        return result;
    }

    private static object? IgnoreCase(object? value) => value is string text ? text.ToLowerInvariant() : value;

    /// <summary>jinja2's make_attrgetter: "a.b.0" looks up item a, then b, then index 0, each with getitem.</summary>
    private static Func<object?, object?> AttributeGetter(object? attribute, object? fallback)
    {
        var parts = attribute is string path
            ? path.Split('.').Select(part => long.TryParse(part, out var index) && part.All(char.IsAsciiDigit) ? (object?)index : part).ToList()
            : [attribute];
        return item =>
        {
            foreach (var part in parts)
            {
                item = AttributeAccess.GetItem(item, part);
                if (fallback is not null && item is Undefined)
                {
                    item = fallback;
                }
            }

            return item;
        };
    }

    /// <summary>A merge sort, stable like Python's; a comparison failure surfaces as the Python error it is.</summary>
    private static List<T> StableSort<T>(List<T> items, Comparison<T> compare)
    {
        if (items.Count <= 1)
        {
            return items;
        }

        var left = StableSort(items[..(items.Count / 2)], compare);
        var right = StableSort(items[(items.Count / 2)..], compare);
        var merged = new List<T>(items.Count);
        int i = 0, j = 0;
        while (i < left.Count && j < right.Count)
        {
            merged.Add(compare(right[j], left[i]) < 0 ? right[j++] : left[i++]);
        }

        merged.AddRange(left.Skip(i));
        merged.AddRange(right.Skip(j));
        return merged;
    }
}
