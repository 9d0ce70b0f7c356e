namespace LlmPlatform.ChatTemplates;

/// <summary>Evaluated arguments of a call, filter or test, bound to parameters the Python way.</summary>
internal sealed class CallArguments(IReadOnlyList<object?> positional, IReadOnlyList<KeyValuePair<string, object?>> keywords)
{
    public static CallArguments Empty { get; } = new([], []);

    public IReadOnlyList<object?> Positional { get; } = positional;

    public IReadOnlyList<KeyValuePair<string, object?>> Keywords { get; } = keywords;

    /// <summary>The argument for the parameter at <paramref name="index"/> called <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        if (index < Positional.Count)
        {
            return Positional[index];
        }

        foreach (var (key, value) in Keywords)
        {
            if (key == name)
            {
                return value;
            }
        }

        return fallback;
    }

    public bool Has(int index, string name) => index < Positional.Count || HasKeyword(name);

    public bool HasKeyword(string name) => Keywords.Any(k => k.Key == name);

    public object? Keyword(string name, object? fallback = null) => Get(int.MaxValue, name, fallback);

    /// <summary>Rejects arguments a Python function with these parameters would reject.</summary>
    public CallArguments Check(string callee, params string[] parameters)
    {
        if (Positional.Count > parameters.Length)
        {
            throw PythonError.Type($"{callee}() takes at most {parameters.Length} argument(s) ({Positional.Count} given)");
        }

        foreach (var (key, _) in Keywords)
        {
            var index = Array.IndexOf(parameters, key);
            if (index < 0)
            {
                throw PythonError.Type($"{callee}() got an unexpected keyword argument '{key}'");
            }

            if (index < Positional.Count)
            {
                throw PythonError.Type($"{callee}() got multiple values for argument '{key}'");
            }
        }

        return this;
    }

    public CallArguments Require(string callee, int count, params string[] parameters)
    {
        Check(callee, parameters);
        for (var i = 0; i < count; i++)
        {
            if (!Has(i, parameters[i]))
            {
                throw PythonError.Type($"{callee}() missing required argument: '{parameters[i]}'");
            }
        }

        return this;
    }
}
