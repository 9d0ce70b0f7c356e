using System.Runtime.CompilerServices;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Builds the statement tree: text, <c>{{ }}</c> output and the tags chat templates use
/// (if / for / set / macro / break / continue). Everything else is reported as a syntax error
/// naming the tag, rather than silently misrendered.
/// </summary>
internal sealed class TemplateParser
{
    private readonly TokenStream stream;
    private readonly ExpressionParser expressions;
    private readonly Stack<(string Tag, SourcePosition Opened)> openBlocks = new();
    private int loopDepth;

    private TemplateParser(List<Token> tokens)
    {
        stream = new TokenStream(tokens);
        expressions = new ExpressionParser(stream);
    }

    public static IReadOnlyList<Statement> Parse(string source)
    {
        var parser = new TemplateParser(TemplateLexer.Tokenize(source));
        try
        {
            return parser.ParseBody(new HashSet<string>());
        }
        catch (InsufficientExecutionStackException)
        {
            // jinja2 would hit Python's recursion limit; here the stack would overflow and kill the process.
            throw new ChatTemplateSyntaxException("Template nests too deeply", parser.stream.Current.Position);
        }
    }

    /// <summary>Parses until a block tag whose name is in <paramref name="endTags"/>, leaving that name current.</summary>
    private List<Statement> ParseBody(IReadOnlySet<string> endTags)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var body = new List<Statement>();
        while (true)
        {
            var token = stream.Current;
            switch (token.Kind)
            {
                case TokenKind.Data:
                    body.Add(new TextStatement(stream.Next().Text, token.Position));
                    break;
                case TokenKind.VariableBegin:
                    stream.Next();
                    body.Add(new OutputStatement(expressions.ParseTuple(), token.Position));
                    stream.Expect(TokenKind.VariableEnd, "end of print statement ('}}')");
                    expressions.ThrowIfUnknownNames();
                    break;
                case TokenKind.BlockBegin:
                    stream.Next();
                    var tag = stream.Current;
                    if (tag.Kind == TokenKind.Name && endTags.Contains(tag.Text))
                    {
                        return body;
                    }

                    body.Add(ParseStatement(tag, token.Position, endTags));
                    break;
                case TokenKind.EndOfTemplate:
                    if (openBlocks.Count > 0)
                    {
                        var (openTag, opened) = openBlocks.Peek();
                        throw new ChatTemplateSyntaxException(
                            $"Unexpected end of template: the '{openTag}' block opened at line {opened.Line}, column {opened.Column} "
                            + $"was never closed (expected {DescribeTags(endTags)})",
                            token.Position);
                    }

                    return body;
                default:
                    throw stream.Unexpected("template data or a tag");
            }
        }
    }

    /// <param name="tag">The tag name token.</param>
    /// <param name="position">Where the tag's {% is, which is where its statement is reported.</param>
    /// <param name="endTags">The end tags the enclosing block accepts, for the error message.</param>
    private Statement ParseStatement(Token tag, SourcePosition position, IReadOnlySet<string> endTags)
    {
        if (tag.Kind != TokenKind.Name)
        {
            throw stream.Unexpected("a tag name");
        }

        switch (tag.Text)
        {
            case "if":
                return ParseIf(position);
            case "for":
                return ParseFor(position);
            case "set":
                return ParseSet(position);
            case "macro":
                return ParseMacro(position);
            case "generation":
                stream.Next();
                EndTag();
                openBlocks.Push(("generation", position));
                var body = ParseFrameBody(new HashSet<string> { "endgeneration" });
                stream.Next();
                EndTag();
                openBlocks.Pop();
                return new GenerationStatement(body, position);
            case "break" or "continue":
                stream.Next();
                if (loopDepth == 0)
                {
                    throw new ChatTemplateSyntaxException($"'{tag.Text}' outside of a loop", tag.Position);
                }

                EndTag();
                return tag.Text == "break" ? new BreakStatement(position) : new ContinueStatement(position);
            default:
                var expected = openBlocks.Count > 0 ? $"; expected {DescribeTags(endTags)}" : "";
                throw new ChatTemplateSyntaxException($"Encountered unknown tag '{tag.Text}'{expected}", tag.Position);
        }
    }

    private IfStatement ParseIf(SourcePosition position)
    {
        stream.Next();
        var enclosing = expressions.DefersUnknownNames;
        expressions.DefersUnknownNames = true;
        var branches = new List<ConditionalBranch>();
        IReadOnlyList<Statement> otherwise = [];
        var condition = expressions.ParseTuple(withConditional: false);
        openBlocks.Push(("if", position));
        while (true)
        {
            EndTag();
            var body = ParseBody(new HashSet<string> { "elif", "else", "endif" });
            branches.Add(new ConditionalBranch(condition, body));
            var tag = stream.Next().Text;
            if (tag == "elif")
            {
                condition = expressions.ParseTuple(withConditional: false);
                continue;
            }

            if (tag == "else")
            {
                EndTag();
                otherwise = ParseBody(new HashSet<string> { "endif" });
                stream.Next();
            }

            break;
        }

        expressions.DefersUnknownNames = enclosing;
        EndTag();
        openBlocks.Pop();
        return new IfStatement(branches, otherwise, position);
    }

    private ForStatement ParseFor(SourcePosition position)
    {
        stream.Next();
        var target = ParseAssignTarget(allowAttribute: false);
        if (!stream.SkipIfName("in"))
        {
            throw stream.Unexpected("'in'");
        }

        var iterable = expressions.ParseTuple(withConditional: false, isEnd: t => t.IsName("recursive"));
        var filter = stream.SkipIfName("if") ? expressions.ParseExpression() : null;
        if (stream.Current.IsName("recursive"))
        {
            throw new ChatTemplateSyntaxException("Recursive for loops are not supported", stream.Current.Position);
        }

        EndTag();
        openBlocks.Push(("for", position));
        loopDepth++;
        var body = ParseFrameBody(new HashSet<string> { "endfor", "else" });
        loopDepth--;
        IReadOnlyList<Statement> otherwise = [];
        if (stream.Next().Text == "else")
        {
            EndTag();
            otherwise = ParseFrameBody(new HashSet<string> { "endfor" });
            stream.Next();
        }

        EndTag();
        openBlocks.Pop();
        return new ForStatement(target, iterable, filter, body, otherwise, position);
    }

    private Statement ParseSet(SourcePosition position)
    {
        stream.Next();
        var target = ParseAssignTarget(allowAttribute: true);
        if (stream.SkipIfOperator("="))
        {
            var value = expressions.ParseTuple();
            EndTag();
            return new SetStatement(target, value, position);
        }

        if (stream.Current.IsOperator("|"))
        {
            throw new ChatTemplateSyntaxException("Filters on block set are not supported", stream.Current.Position);
        }

        EndTag();
        openBlocks.Push(("set", position));
        var body = ParseFrameBody(new HashSet<string> { "endset" });
        stream.Next();
        EndTag();
        openBlocks.Pop();
        return new SetBlockStatement(target, body, position);
    }

    private MacroStatement ParseMacro(SourcePosition position)
    {
        stream.Next();
        var name = stream.ExpectName().Text;
        stream.ExpectOperator("(");
        var parameters = new List<MacroParameter>();
        while (!stream.Current.IsOperator(")"))
        {
            if (parameters.Count > 0)
            {
                stream.ExpectOperator(",");
            }

            var parameter = stream.ExpectName();
            Expression? fallback = null;
            if (stream.SkipIfOperator("="))
            {
                fallback = expressions.ParseExpression();
            }
            else if (parameters.Count > 0 && parameters[^1].Default is not null)
            {
                throw new ChatTemplateSyntaxException("Non-default argument follows default argument", parameter.Position);
            }

            parameters.Add(new MacroParameter(parameter.Text, fallback));
        }

        stream.Next();
        EndTag();
        openBlocks.Push(("macro", position));

        // break/continue in a macro body cannot reach a loop around the call.
        var enclosingLoops = loopDepth;
        loopDepth = 0;
        var body = ParseFrameBody(new HashSet<string> { "endmacro" });
        loopDepth = enclosingLoops;
        stream.Next();
        EndTag();
        openBlocks.Pop();
        return new MacroStatement(name, parameters, body, position);
    }

    /// <summary>A name, a comma-separated tuple of names (optionally parenthesized), or ns.attribute for set.</summary>
    private AssignTarget ParseAssignTarget(bool allowAttribute)
    {
        var parenthesized = stream.SkipIfOperator("(");
        var first = stream.ExpectName();
        if (allowAttribute && !parenthesized && stream.SkipIfOperator("."))
        {
            return new AttributeTarget(first.Text, stream.ExpectName().Text);
        }

        var names = new List<string> { first.Text };
        var isTuple = false;
        while (stream.SkipIfOperator(","))
        {
            isTuple = true;
            if (stream.Current.Kind != TokenKind.Name)
            {
                break;
            }

            names.Add(stream.Next().Text);
        }

        if (parenthesized)
        {
            stream.ExpectOperator(")");
        }

        var constant = names.FirstOrDefault(n => n is "true" or "false" or "none" or "True" or "False" or "None");
        if (constant is not null)
        {
            throw new ChatTemplateSyntaxException($"Cannot assign to '{constant}'", first.Position);
        }

        return isTuple ? new TupleTarget(names) : new NameTarget(names[0]);
    }

    private void EndTag()
    {
        stream.Expect(TokenKind.BlockEnd, "end of statement block ('%}')");
        expressions.ThrowIfUnknownNames();
    }

    /// <summary>
    /// The body of a for loop, macro, block set or generation block: a new jinja2 frame, where unknown
    /// filter and test names are parse errors again even inside an if.
    /// </summary>
    private List<Statement> ParseFrameBody(IReadOnlySet<string> endTags)
    {
        var enclosing = expressions.DefersUnknownNames;
        expressions.DefersUnknownNames = false;
        var body = ParseBody(endTags);
        expressions.DefersUnknownNames = enclosing;
        return body;
    }

    private static string DescribeTags(IReadOnlySet<string> tags) =>
        tags.Count == 0 ? "no more tags" : string.Join(" or ", tags.Select(t => $"'{t}'"));
}
