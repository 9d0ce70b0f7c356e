namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Splits a template into data and tags, applying whitespace control the way transformers configures
/// jinja2: <c>trim_blocks</c> (a block or comment tag eats the newline after it), <c>lstrip_blocks</c>
/// (indentation before a block or comment tag on its own line is dropped), <c>-</c>/<c>+</c> modifiers,
/// and no trailing newline kept. The insides of tags are handed to <see cref="TagTokenizer"/>.
/// </summary>
internal sealed class TemplateLexer
{
    private readonly string source;
    private readonly SourceMap map;
    private readonly List<Token> tokens = [];
    private int position;

    // jinja2's line_starting: the previous lexeme ended a line, so indentation at the very start of
    // the next data counts as "only whitespace before the tag on this line".
    private bool lineStarting = true;

    private TemplateLexer(string source)
    {
        this.source = source;
        map = new SourceMap(source);
    }

    public static List<Token> Tokenize(string template)
    {
        var lexer = new TemplateLexer(Normalize(template));
        lexer.Run();
        return lexer.tokens;
    }

    /// <summary>jinja2 reads \r\n and \r as \n and drops one trailing newline (keep_trailing_newline=False).</summary>
    private static string Normalize(string template)
    {
        var text = template.Replace("\r\n", "\n").Replace('\r', '\n');
        return text.EndsWith('\n') ? text[..^1] : text;
    }

    private void Run()
    {
        while (position < source.Length)
        {
            var open = FindTagOpening(position);
            if (open < 0)
            {
                Emit(TokenKind.Data, source[position..], position);
                break;
            }

            var kind = source[open + 1];
            var sign = open + 2 < source.Length && source[open + 2] is '-' or '+' ? source[open + 2] : '\0';
            var data = ControlLeadingWhitespace(source[position..open], sign, isVariable: kind == '{');
            Emit(TokenKind.Data, data, position);
            position = open + 2 + (sign == '\0' ? 0 : 1);

            switch (kind)
            {
                case '#':
                    SkipComment(open);
                    break;
                case '{':
                    Emit(TokenKind.VariableBegin, "{{", open);
                    position = ReadTag(open, isBlock: false);
                    break;
                default:
                    if (!TryReadRaw(open))
                    {
                        Emit(TokenKind.BlockBegin, "{%", open);
                        position = ReadTag(open, isBlock: true);
                    }

                    break;
            }
        }

        tokens.Add(new Token(TokenKind.EndOfTemplate, "", map.PositionOf(source.Length)));
    }

    private int ReadTag(int open, bool isBlock)
    {
        var (end, sign) = new TagTokenizer(source, map, tokens).Tokenize(position, isBlock, map.PositionOf(open));
        return AfterTagEnd(end, sign, trimNewline: isBlock);
    }

    private int FindTagOpening(int from)
    {
        for (var i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
        {
            if (source[i + 1] is '{' or '%' or '#')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Whitespace control on the data before a tag: '-' strips all of it, lstrip_blocks strips indentation.</summary>
    private string ControlLeadingWhitespace(string data, char sign, bool isVariable)
    {
        if (sign == '-')
        {
            return PyText.StripEnd(data);
        }

        if (sign == '+' || isVariable)
        {
            return data;
        }

        var lineStart = data.LastIndexOf('\n') + 1;
        var onlyIndentation = (lineStart > 0 || lineStarting)
            && lineStart < data.Length
            && PyText.IsAllWhiteSpace(data.AsSpan(lineStart));
        return onlyIndentation ? data[..lineStart] : data;
    }

    private void SkipComment(int open)
    {
        var close = source.IndexOf("#}", position, StringComparison.Ordinal);
        if (close < 0)
        {
            throw new ChatTemplateSyntaxException("Missing end of comment tag", map.PositionOf(open));
        }

        var sign = close > position && source[close - 1] is '-' or '+' ? source[close - 1] : '\0';
        position = AfterTagEnd(close + 2, sign, trimNewline: true);
    }

    /// <summary>{% raw %}...{% endraw %}: the content is data, whatever tags it contains.</summary>
    private bool TryReadRaw(int open)
    {
        // jinja2's raw-begin rule has no trim_blocks newline; its raw-end rule has one.
        var afterKeyword = MatchKeywordTag(position, "raw", trimNewline: false);
        if (afterKeyword < 0)
        {
            return false;
        }

        position = afterKeyword;
        var searchFrom = position;
        while (true)
        {
            var endOpen = source.IndexOf("{%", searchFrom, StringComparison.Ordinal);
            if (endOpen < 0)
            {
                throw new ChatTemplateSyntaxException("Missing end of raw directive", map.PositionOf(open));
            }

            var sign = endOpen + 2 < source.Length && source[endOpen + 2] is '-' or '+' ? source[endOpen + 2] : '\0';
            var afterEnd = MatchKeywordTag(endOpen + 2 + (sign == '\0' ? 0 : 1), "endraw", trimNewline: true);
            if (afterEnd < 0)
            {
                searchFrom = endOpen + 2;
                continue;
            }

            Emit(TokenKind.Data, ControlLeadingWhitespace(source[position..endOpen], sign, isVariable: false), position);
            position = afterEnd;
            return true;
        }
    }

    /// <summary>
    /// Matches <c>\s*keyword\s*</c> then a block end at <paramref name="from"/>; returns the index after
    /// the end (with its whitespace control applied), or -1.
    /// </summary>
    private int MatchKeywordTag(int from, string keyword, bool trimNewline)
    {
        var i = SkipWhiteSpace(from);
        if (string.CompareOrdinal(source, i, keyword, 0, keyword.Length) != 0)
        {
            return -1;
        }

        i = SkipWhiteSpace(i + keyword.Length);
        var sign = i < source.Length && source[i] is '-' or '+' ? source[i] : '\0';
        var close = i + (sign == '\0' ? 0 : 1);
        if (string.CompareOrdinal(source, close, "%}", 0, 2) != 0)
        {
            return -1;
        }

        return AfterTagEnd(close + 2, sign, trimNewline);
    }

    /// <summary>
    /// After a block or comment end: '-' eats all following whitespace, '+' keeps it, otherwise
    /// trim_blocks eats one newline. Returns where the next data starts.
    /// </summary>
    private int AfterTagEnd(int index, char sign, bool trimNewline)
    {
        if (sign == '-')
        {
            index = SkipWhiteSpace(index);
        }
        else if (sign != '+' && trimNewline && index < source.Length && source[index] == '\n')
        {
            index++;
        }

        lineStarting = source[index - 1] == '\n';
        return index;
    }

    private int SkipWhiteSpace(int from)
    {
        while (from < source.Length && PyText.IsWhiteSpace(source[from]))
        {
            from++;
        }

        return from;
    }

    private void Emit(TokenKind kind, string text, int offset)
    {
        if (kind != TokenKind.Data || text.Length > 0)
        {
            tokens.Add(new Token(kind, text, map.PositionOf(offset)));
        }
    }
}
