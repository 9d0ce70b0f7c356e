namespace LlmPlatform.ChatTemplates;

internal enum TokenKind
{
    /// <summary>Template text outside tags, after whitespace control.</summary>
    Data,
    VariableBegin,
    VariableEnd,
    BlockBegin,
    BlockEnd,
    Name,
    Integer,
    Float,
    String,
    Operator,
    EndOfTemplate,
}

/// <summary>
/// One lexeme. <see cref="Text"/> is the source spelling (the operator, the name, the data);
/// <see cref="Value"/> holds the decoded literal for integers (long), floats (double) and strings.
/// </summary>
internal readonly record struct Token(TokenKind Kind, string Text, SourcePosition Position, object? Value = null)
{
    public bool IsOperator(string symbol) => Kind == TokenKind.Operator && Text == symbol;

    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;

    public string Describe() => Kind switch
    {
        TokenKind.EndOfTemplate => "end of template",
        TokenKind.VariableEnd => "end of print statement",
        TokenKind.BlockEnd => "end of statement block",
        TokenKind.Data => "template data",
        TokenKind.String => "string literal",
        _ => $"'{Text}'",
    };
}
