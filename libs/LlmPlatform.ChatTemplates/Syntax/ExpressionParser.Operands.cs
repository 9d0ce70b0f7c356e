namespace LlmPlatform.ChatTemplates;

/// <summary>
/// The operands of jinja2's expression grammar: literals and names, postfix <c>.attr</c>, <c>[key]</c>,
/// <c>[a:b:c]</c> and calls, then filters (<c>|name(args)</c>) and tests (<c>is [not] name args</c>).
/// </summary>
internal sealed partial class ExpressionParser
{
    private Expression ParsePrimary()
    {
        var token = stream.Current;
        switch (token.Kind)
        {
            case TokenKind.Name:
                stream.Next();
                return token.Text switch
                {
                    "true" or "True" => new ConstantExpression(true, token.Position),
                    "false" or "False" => new ConstantExpression(false, token.Position),
                    "none" or "None" => new ConstantExpression(null, token.Position),
                    _ => new NameExpression(token.Text, token.Position),
                };
            case TokenKind.String:
                // Adjacent literals concatenate, as in Python.
                var text = "";
                while (stream.Current.Kind == TokenKind.String)
                {
                    text += (string)stream.Next().Value!;
                }

                return new ConstantExpression(text, token.Position);
            case TokenKind.Integer or TokenKind.Float:
                stream.Next();
                return new ConstantExpression(token.Value, token.Position);
            case TokenKind.Operator when token.Text == "(":
                stream.Next();
                var inner = ParseParenthesized(token.Position);
                stream.ExpectOperator(")");
                return inner;
            case TokenKind.Operator when token.Text == "[":
                return ParseList();
            case TokenKind.Operator when token.Text == "{":
                return ParseDict();
            default:
                throw stream.Unexpected("an expression");
        }
    }

    /// <summary>( ) is the empty tuple, (a) is a, (a,) and (a, b) are tuples.</summary>
    private Expression ParseParenthesized(SourcePosition position) =>
        stream.Current.IsOperator(")") ? new TupleExpression([], position) : ParseTuple();

    private Expression ParseList()
    {
        var position = stream.ExpectOperator("[").Position;
        var items = new List<Expression>();
        while (!stream.Current.IsOperator("]"))
        {
            if (items.Count > 0)
            {
                stream.ExpectOperator(",");
                if (stream.Current.IsOperator("]"))
                {
                    break;
                }
            }

            items.Add(ParseExpression());
        }

        stream.ExpectOperator("]");
        return new ListExpression(items, position);
    }

    private Expression ParseDict()
    {
        var position = stream.ExpectOperator("{").Position;
        var pairs = new List<KeyValuePair<Expression, Expression>>();
        while (!stream.Current.IsOperator("}"))
        {
            if (pairs.Count > 0)
            {
                stream.ExpectOperator(",");
                if (stream.Current.IsOperator("}"))
                {
                    break;
                }
            }

            var key = ParseExpression();
            stream.ExpectOperator(":");
            pairs.Add(new(key, ParseExpression()));
        }

        stream.ExpectOperator("}");
        return new DictExpression(pairs, position);
    }

    private Expression ParsePostfix(Expression node)
    {
        while (true)
        {
            var token = stream.Current;
            if (token.IsOperator("."))
            {
                stream.Next();
                var attribute = stream.Next();
                node = attribute.Kind switch
                {
                    TokenKind.Name => new AttributeExpression(node, attribute.Text, token.Position),
                    TokenKind.Integer => new ItemExpression(node, new ConstantExpression(attribute.Value, attribute.Position), token.Position),
                    _ => throw new ChatTemplateSyntaxException("Expected a name or number after '.'", attribute.Position),
                };
            }
            else if (token.IsOperator("["))
            {
                node = ParseSubscript(node);
            }
            else if (token.IsOperator("("))
            {
                node = new CallExpression(node, ParseCallArguments(), token.Position);
            }
            else
            {
                return node;
            }
        }
    }

    private Expression ParseSubscript(Expression node)
    {
        var position = stream.ExpectOperator("[").Position;
        var keys = new List<Expression>();
        while (!stream.Current.IsOperator("]"))
        {
            if (keys.Count > 0)
            {
                stream.ExpectOperator(",");
            }

            keys.Add(ParseSubscribed());
        }

        stream.ExpectOperator("]");
        if (keys.Count == 0)
        {
            throw new ChatTemplateSyntaxException("Expected a subscript inside '[]'", position);
        }

        var key = keys.Count == 1 ? keys[0] : new TupleExpression(keys, position);
        return new ItemExpression(node, key, position);
    }

    private Expression ParseSubscribed()
    {
        var position = stream.Current.Position;
        Expression? start = null;
        if (!stream.Current.IsOperator(":"))
        {
            start = ParseExpression();
            if (!stream.Current.IsOperator(":"))
            {
                return start;
            }
        }

        stream.ExpectOperator(":");
        var stop = IsSliceBoundaryEnd() ? null : ParseExpression();
        Expression? step = null;
        if (stream.SkipIfOperator(":"))
        {
            step = IsSliceBoundaryEnd() ? null : ParseExpression();
        }

        return new SliceExpression(start, stop, step, position);
    }

    private bool IsSliceBoundaryEnd() =>
        stream.Current.IsOperator(":") || stream.Current.IsOperator("]") || stream.Current.IsOperator(",");

    private ArgumentList ParseCallArguments()
    {
        var open = stream.ExpectOperator("(");
        var positional = new List<Expression>();
        var keywords = new List<KeyValuePair<string, Expression>>();
        while (!stream.Current.IsOperator(")"))
        {
            if (positional.Count + keywords.Count > 0)
            {
                stream.ExpectOperator(",");
                if (stream.Current.IsOperator(")"))
                {
                    break;
                }
            }

            if (stream.Current.IsOperator("*") || stream.Current.IsOperator("**"))
            {
                throw new ChatTemplateSyntaxException("*args and **kwargs in calls are not supported", stream.Current.Position);
            }

            if (stream.Current.Kind == TokenKind.Name && stream.Peek().IsOperator("="))
            {
                var name = stream.Next().Text;
                stream.Next();
                keywords.Add(new(name, ParseExpression()));
            }
            else if (keywords.Count > 0)
            {
                throw new ChatTemplateSyntaxException("Positional argument follows keyword argument", stream.Current.Position);
            }
            else
            {
                positional.Add(ParseExpression());
            }
        }

        if (!stream.Current.IsOperator(")"))
        {
            throw new ChatTemplateSyntaxException("Unclosed '(' in call", open.Position);
        }

        stream.Next();
        return new ArgumentList(positional, keywords);
    }

    private Expression ParseFiltersAndTests(Expression node)
    {
        while (true)
        {
            var token = stream.Current;
            if (token.IsOperator("|"))
            {
                stream.Next();
                var name = ParseDottedName();
                RequireKnown(BuiltinFilters.IsKnown(name), $"No filter named '{name}'", token.Position);
                var arguments = stream.Current.IsOperator("(") ? ParseCallArguments() : ArgumentList.Empty;
                node = new FilterExpression(node, name, arguments, token.Position);
            }
            else if (token.IsName("is"))
            {
                node = ParseTest(node);
            }
            else if (token.IsOperator("("))
            {
                node = new CallExpression(node, ParseCallArguments(), token.Position);
            }
            else
            {
                return node;
            }
        }
    }

    private Expression ParseTest(Expression node)
    {
        var position = stream.Next().Position;
        var negated = stream.SkipIfName("not");
        var name = ParseDottedName();
        RequireKnown(BuiltinTests.IsKnown(name), $"No test named '{name}'", position);
        var arguments = ArgumentList.Empty;
        var current = stream.Current;
        if (current.IsOperator("("))
        {
            arguments = ParseCallArguments();
        }
        else if (TakesBareArgument(current))
        {
            // "x is divisibleby 3", "x is sameas none": one argument without parentheses.
            arguments = new ArgumentList([ParsePostfix(ParsePrimary())], []);
        }

        Expression test = new TestExpression(node, name, arguments, position);
        return negated ? new UnaryExpression(UnaryOperator.Not, test, position) : test;
    }

    private void RequireKnown(bool known, string problem, SourcePosition position)
    {
        if (!known && !DefersUnknownNames)
        {
            unknownNames.Add((problem, position));
        }
    }

    private static bool TakesBareArgument(Token token) =>
        token.Kind switch
        {
            TokenKind.Name => token.Text is not ("else" or "or" or "and" or "is"),
            TokenKind.String or TokenKind.Integer or TokenKind.Float => true,
            TokenKind.Operator => token.Text is "[" or "{",
            _ => false,
        };

    private string ParseDottedName()
    {
        var name = stream.ExpectName().Text;
        while (stream.Current.IsOperator(".") && stream.Peek().Kind == TokenKind.Name)
        {
            stream.Next();
            name += "." + stream.Next().Text;
        }

        return name;
    }
}
