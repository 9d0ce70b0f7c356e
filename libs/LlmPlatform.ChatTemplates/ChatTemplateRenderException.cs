namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Rendering failed the way Python's jinja2 would fail on the same input (a TypeError, an undefined
/// variable used in arithmetic, ...). <see cref="ErrorType"/> names the Python exception.
/// </summary>
public sealed class ChatTemplateRenderException : ChatTemplateException
{
    internal ChatTemplateRenderException(string errorType, string detail, SourcePosition position, Exception? innerException = null)
        : base($"{errorType}: {detail} (line {position.Line}, column {position.Column})", innerException)
    {
        ErrorType = errorType;
        Detail = detail;
        Line = position.Line;
        Column = position.Column;
    }

    /// <summary>The Python exception jinja2 raises here, e.g. TypeError or UndefinedError.</summary>
    public string ErrorType { get; }

    /// <summary>The message without the type and position.</summary>
    public string Detail { get; }

    /// <summary>1-based line of the statement being rendered.</summary>
    public int Line { get; }

    /// <summary>1-based column of the statement being rendered.</summary>
    public int Column { get; }
}
