namespace LlmPlatform.ChatTemplates;

internal sealed class TokenStream(List<Token> tokens)
{
    private int index;

    public Token Current => tokens[index];

    public Token Peek(int ahead = 1) => tokens[Math.Min(index + ahead, tokens.Count - 1)];

    public Token Next()
    {
        var token = tokens[index];
        if (index < tokens.Count - 1)
        {
            index++;
        }

        return token;
    }

    public bool SkipIfOperator(string symbol)
    {
        if (!Current.IsOperator(symbol))
        {
            return false;
        }

        Next();
        return true;
    }

    public bool SkipIfName(string name)
    {
        if (!Current.IsName(name))
        {
            return false;
        }

        Next();
        return true;
    }

    public Token ExpectOperator(string symbol) =>
        Current.IsOperator(symbol) ? Next() : throw Unexpected($"'{symbol}'");

    public Token ExpectName() =>
        Current.Kind == TokenKind.Name ? Next() : throw Unexpected("a name");

    public Token Expect(TokenKind kind, string description) =>
        Current.Kind == kind ? Next() : throw Unexpected(description);

    public ChatTemplateSyntaxException Unexpected(string expected) =>
        new($"Expected {expected}, got {Current.Describe()}", Current.Position);
}
