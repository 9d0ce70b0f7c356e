namespace LlmPlatform.ChatTemplates;

/// <summary>Anything a template can call: globals, bound methods of strings, dicts and lists, macros.</summary>
internal interface IPyCallable
{
    object? Invoke(CallArguments arguments);
}

/// <summary>A built-in function or a method bound to its receiver.</summary>
internal sealed class PyFunction(string name, Func<CallArguments, object?> body, object? receiver = null) : IPyCallable
{
    public string Name { get; } = name;

    /// <summary>The object a method is bound to; null for a plain function.</summary>
    public object? Receiver { get; } = receiver;

    public bool IsMethod => Receiver is not null;

    public object? Invoke(CallArguments arguments) => body(arguments);
}
