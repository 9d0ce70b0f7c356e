namespace LlmPlatform.ChatTemplates;

/// <summary>
/// A runtime failure, named after the Python exception jinja2 raises in the same situation
/// (TypeError, UndefinedError, ...). <see cref="ChatTemplate"/> turns it into a
/// <see cref="ChatTemplateRenderException"/> carrying the position being rendered.
/// </summary>
internal sealed class PythonError(string errorType, string message) : Exception(message)
{
    public string ErrorType { get; } = errorType;

    public static PythonError Type(string message) => new("TypeError", message);

    public static PythonError Value(string message) => new("ValueError", message);

    public static PythonError ZeroDivision(string message) => new("ZeroDivisionError", message);
}
