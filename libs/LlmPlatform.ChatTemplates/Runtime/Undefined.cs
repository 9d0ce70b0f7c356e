namespace LlmPlatform.ChatTemplates;

/// <summary>
/// jinja2's default Undefined: prints as "", is falsy, iterates as empty and compares equal only to
/// another Undefined; any other use (arithmetic, attribute or item access, calls) fails with the
/// message jinja2 would give.
/// </summary>
internal sealed class Undefined
{
    private readonly string errorType;

    private Undefined(string message, string errorType = "UndefinedError")
    {
        Message = message;
        this.errorType = errorType;
    }

    public string Message { get; }

    public static Undefined Variable(string name) => new($"'{name}' is undefined");

    /// <summary>The result of looking up <paramref name="key"/> on <paramref name="owner"/> and finding nothing.</summary>
    public static Undefined Member(object? owner, object? key) => key is string name
        ? new($"'{PyFormat.ObjectTypeRepr(owner)}' has no attribute '{name}'")
        : new($"{PyFormat.ObjectTypeRepr(owner)} has no element {PyFormat.Repr(key)}");

    public static Undefined WithHint(string hint) => new(hint);

    /// <summary>What the sandbox hands out for a mutating method such as list.append: harmless until called.</summary>
    public static Undefined Unsafe(object? owner, string attribute) =>
        new($"access to attribute '{attribute}' of '{PyFormat.TypeName(owner)}' object is unsafe.", "SecurityError");

    public PythonError Fail() => new(errorType, Message);
}
