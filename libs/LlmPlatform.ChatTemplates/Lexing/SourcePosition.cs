namespace LlmPlatform.ChatTemplates;

/// <summary>A 1-based line and column in the template text, for error messages.</summary>
internal readonly record struct SourcePosition(int Line, int Column)
{
    public static SourcePosition Start { get; } = new(1, 1);
}
