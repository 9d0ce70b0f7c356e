using System.Globalization;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Tokenizes the inside of a <c>{{ }}</c> or <c>{% %}</c> tag up to its closing delimiter. As in jinja2,
/// a closing delimiter inside open brackets is not one, so <c>{{ {'a': {'b': 1}} }}</c> works.
/// </summary>
internal sealed class TagTokenizer(string source, SourceMap map, List<Token> tokens)
{
    // Longest first, so that "//" is not read as two "/".
    private static readonly string[] Operators =
        ["//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|", ";"];

    private readonly Stack<(char Closing, SourcePosition Opened)> brackets = new();

    /// <summary>
    /// Reads tokens from <paramref name="start"/> through the closing delimiter; returns the index after it
    /// and the whitespace-control sign written before it ('-', '+' or '\0').
    /// </summary>
    public (int End, char Sign) Tokenize(int start, bool isBlock, SourcePosition opened)
    {
        var i = start;
        while (true)
        {
            while (i < source.Length && PyText.IsWhiteSpace(source[i]))
            {
                i++;
            }

            if (i >= source.Length)
            {
                var expected = isBlock ? "end of statement block ('%}')" : "end of print statement ('}}')";
                throw new ChatTemplateSyntaxException($"Unexpected end of template, expected {expected} for the tag opened here", opened);
            }

            if (brackets.Count == 0 && TryClose(i, isBlock) is { } close)
            {
                return close;
            }

            i = ReadToken(i);
        }
    }

    private (int End, char Sign)? TryClose(int i, bool isBlock)
    {
        var delimiter = isBlock ? "%}" : "}}";
        var kind = isBlock ? TokenKind.BlockEnd : TokenKind.VariableEnd;
        var sign = source[i] is '-' or '+' ? source[i] : '\0';

        // jinja2 has no "+}}": a plus there is an operator.
        if (sign == '+' && !isBlock)
        {
            sign = '\0';
        }

        var at = sign == '\0' ? i : i + 1;
        if (string.CompareOrdinal(source, at, delimiter, 0, 2) != 0)
        {
            return null;
        }

        tokens.Add(new Token(kind, delimiter, map.PositionOf(i)));
        return (at + 2, sign);
    }

    private int ReadToken(int i)
    {
        var c = source[i];
        if (char.IsLetter(c) || c == '_')
        {
            var end = i + 1;
            while (end < source.Length && (char.IsLetterOrDigit(source[end]) || source[end] == '_'))
            {
                end++;
            }

            tokens.Add(new Token(TokenKind.Name, source[i..end], map.PositionOf(i)));
            return end;
        }

        if (char.IsAsciiDigit(c))
        {
            return ReadNumber(i);
        }

        if (c is '\'' or '"')
        {
            return ReadString(i);
        }

        foreach (var op in Operators)
        {
            if (string.CompareOrdinal(source, i, op, 0, op.Length) == 0)
            {
                TrackBrackets(op, i);
                tokens.Add(new Token(TokenKind.Operator, op, map.PositionOf(i)));
                return i + op.Length;
            }
        }

        throw new ChatTemplateSyntaxException($"Unexpected char '{c}'", map.PositionOf(i));
    }

    private void TrackBrackets(string op, int i)
    {
        switch (op)
        {
            case "(": brackets.Push((')', map.PositionOf(i))); break;
            case "[": brackets.Push((']', map.PositionOf(i))); break;
            case "{": brackets.Push(('}', map.PositionOf(i))); break;
            case ")" or "]" or "}":
                if (brackets.Count == 0)
                {
                    throw new ChatTemplateSyntaxException($"Unexpected '{op}'", map.PositionOf(i));
                }

                var (closing, _) = brackets.Pop();
                if (closing != op[0])
                {
                    throw new ChatTemplateSyntaxException($"Unexpected '{op}', expected '{closing}'", map.PositionOf(i));
                }

                break;
        }
    }

    /// <summary>jinja2's number rules: underscores between digits; no float right after a dot (x.0.1 is x[0][1]).</summary>
    private int ReadNumber(int i)
    {
        var end = SkipDigits(i);
        var afterDot = tokens.Count > 0 && tokens[^1].IsOperator(".");
        var isFloat = false;
        if (!afterDot)
        {
            if (end + 1 < source.Length && source[end] == '.' && char.IsAsciiDigit(source[end + 1]))
            {
                end = SkipDigits(end + 1);
                isFloat = true;
            }

            var exponent = ExponentEnd(end);
            if (exponent > end)
            {
                end = exponent;
                isFloat = true;
            }
        }

        var text = source[i..end];
        var digits = text.Replace("_", "");
        var position = map.PositionOf(i);
        if (isFloat)
        {
            tokens.Add(new Token(TokenKind.Float, text, position, double.Parse(digits, NumberStyles.Float, CultureInfo.InvariantCulture)));
        }
        else if (long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            tokens.Add(new Token(TokenKind.Integer, text, position, value));
        }
        else
        {
            throw new ChatTemplateSyntaxException($"Integer literal {text} is too large", position);
        }

        return end;
    }

    private int SkipDigits(int i)
    {
        while (i < source.Length && (char.IsAsciiDigit(source[i]) || (source[i] == '_' && i + 1 < source.Length && char.IsAsciiDigit(source[i + 1]))))
        {
            i++;
        }

        return i;
    }

    private int ExponentEnd(int i)
    {
        if (i >= source.Length || source[i] is not ('e' or 'E'))
        {
            return i;
        }

        var digits = i + 1 < source.Length && source[i + 1] is '+' or '-' ? i + 2 : i + 1;
        return digits < source.Length && char.IsAsciiDigit(source[digits]) ? SkipDigits(digits) : i;
    }

    private int ReadString(int i)
    {
        var quote = source[i];
        var end = i + 1;
        while (end < source.Length && source[end] != quote)
        {
            end += source[end] == '\\' ? 2 : 1;
        }

        var position = map.PositionOf(i);
        if (end >= source.Length)
        {
            throw new ChatTemplateSyntaxException("Unterminated string literal", position);
        }

        var body = source[(i + 1)..end];
        tokens.Add(new Token(TokenKind.String, source[i..(end + 1)], position, StringLiteral.Unescape(body, position)));
        return end + 1;
    }
}
