namespace LlmPlatform.ChatTemplates;

/// <summary>The template text is not valid Jinja (or uses a part of Jinja this engine leaves out).</summary>
public sealed class ChatTemplateSyntaxException : ChatTemplateException
{
    internal ChatTemplateSyntaxException(string problem, SourcePosition position)
        : base($"{problem} (line {position.Line}, column {position.Column})")
    {
        Problem = problem;
        Line = position.Line;
        Column = position.Column;
    }

    /// <summary>What is wrong, without the position.</summary>
    public string Problem { get; }

    /// <summary>1-based line of the offending token.</summary>
    public int Line { get; }

    /// <summary>1-based column of the offending token.</summary>
    public int Column { get; }
}
