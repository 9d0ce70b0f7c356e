using System.Runtime.CompilerServices;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// jinja2's expression grammar, loosest binding first: conditional, or, and, not, comparisons
/// (with in / not in), + -, ~, * / // %, **, unary - +; the operands (literals, names, postfix
/// access, calls, filters and tests) are in ExpressionParser.Operands.cs.
/// </summary>
internal sealed partial class ExpressionParser(TokenStream stream)
{
    // Unknown filter and test names seen outside "soft" places, reported by ThrowIfUnknownNames.
    private readonly List<(string Problem, SourcePosition Position)> unknownNames = [];

    private static readonly Dictionary<string, CompareOperator> CompareOperators = new()
    {
        ["=="] = CompareOperator.Equal,
        ["!="] = CompareOperator.NotEqual,
        ["<"] = CompareOperator.Less,
        ["<="] = CompareOperator.LessOrEqual,
        [">"] = CompareOperator.Greater,
        [">="] = CompareOperator.GreaterOrEqual,
    };

    /// <summary>
    /// Whether the enclosing statement is an if (condition or branches). jinja2 compiles those as "soft
    /// frames" where an unknown filter or test fails only if rendering reaches it, so a template may guard
    /// a filter this engine lacks; elsewhere an unknown name fails at parse time, as in jinja2.
    /// </summary>
    public bool DefersUnknownNames { get; set; }

    public void ThrowIfUnknownNames()
    {
        if (unknownNames.Count > 0)
        {
            var (problem, position) = unknownNames[0];
            throw new ChatTemplateSyntaxException(problem, position);
        }
    }

    /// <summary>One expression, or a tuple when commas follow (<c>{{ a, b }}</c>, <c>set x = 1, 2</c>).</summary>
    public Expression ParseTuple(bool withConditional = true, Func<Token, bool>? isEnd = null)
    {
        var position = stream.Current.Position;
        var items = new List<Expression>();
        var isTuple = false;
        while (true)
        {
            if (items.Count > 0)
            {
                stream.ExpectOperator(",");
            }

            if (IsTupleEnd(isEnd))
            {
                break;
            }

            items.Add(withConditional ? ParseExpression() : ParseOr());
            if (stream.Current.IsOperator(","))
            {
                isTuple = true;
            }
            else
            {
                break;
            }
        }

        if (isTuple)
        {
            return new TupleExpression(items, position);
        }

        return items.Count > 0 ? items[0] : throw stream.Unexpected("an expression");
    }

    public Expression ParseExpression()
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var unknownBefore = unknownNames.Count;
        var expression = ParseOr();
        while (stream.Current.IsName("if"))
        {
            var position = stream.Next().Position;
            var condition = ParseOr();
            var otherwise = stream.SkipIfName("else") ? ParseExpression() : null;
            expression = new ConditionalExpression(condition, expression, otherwise, position);

            // A conditional expression is a soft frame too: its unknown names wait for rendering.
            unknownNames.RemoveRange(unknownBefore, unknownNames.Count - unknownBefore);
        }

        return expression;
    }

    private bool IsTupleEnd(Func<Token, bool>? isEnd)
    {
        var token = stream.Current;
        return token.Kind is TokenKind.VariableEnd or TokenKind.BlockEnd or TokenKind.EndOfTemplate
            || token.IsOperator(")")
            || (isEnd?.Invoke(token) ?? false);
    }

    private Expression ParseOr()
    {
        var left = ParseAnd();
        while (stream.Current.IsName("or"))
        {
            var position = stream.Next().Position;
            left = new BinaryExpression(BinaryOperator.Or, left, ParseAnd(), position);
        }

        return left;
    }

    private Expression ParseAnd()
    {
        var left = ParseNot();
        while (stream.Current.IsName("and"))
        {
            var position = stream.Next().Position;
            left = new BinaryExpression(BinaryOperator.And, left, ParseNot(), position);
        }

        return left;
    }

    private Expression ParseNot()
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        if (stream.Current.IsName("not"))
        {
            var position = stream.Next().Position;
            return new UnaryExpression(UnaryOperator.Not, ParseNot(), position);
        }

        return ParseCompare();
    }

    private Expression ParseCompare()
    {
        var position = stream.Current.Position;
        var first = ParseAdditive();
        var rest = new List<KeyValuePair<CompareOperator, Expression>>();
        while (true)
        {
            var token = stream.Current;
            if (token.Kind == TokenKind.Operator && CompareOperators.TryGetValue(token.Text, out var op))
            {
                stream.Next();
                rest.Add(new(op, ParseAdditive()));
            }
            else if (token.IsName("in"))
            {
                stream.Next();
                rest.Add(new(CompareOperator.In, ParseAdditive()));
            }
            else if (token.IsName("not") && stream.Peek().IsName("in"))
            {
                stream.Next();
                stream.Next();
                rest.Add(new(CompareOperator.NotIn, ParseAdditive()));
            }
            else
            {
                break;
            }
        }

        return rest.Count == 0 ? first : new CompareExpression(first, rest, position);
    }

    private Expression ParseAdditive()
    {
        var left = ParseConcat();
        while (stream.Current.IsOperator("+") || stream.Current.IsOperator("-"))
        {
            var token = stream.Next();
            var op = token.Text == "+" ? BinaryOperator.Add : BinaryOperator.Subtract;
            left = new BinaryExpression(op, left, ParseConcat(), token.Position);
        }

        return left;
    }

    private Expression ParseConcat()
    {
        var left = ParseMultiplicative();
        while (stream.Current.IsOperator("~"))
        {
            var position = stream.Next().Position;
            left = new BinaryExpression(BinaryOperator.Concat, left, ParseMultiplicative(), position);
        }

        return left;
    }

    private Expression ParseMultiplicative()
    {
        var left = ParsePower();
        while (true)
        {
            BinaryOperator? op = stream.Current.Kind != TokenKind.Operator ? null : stream.Current.Text switch
            {
                "*" => BinaryOperator.Multiply,
                "/" => BinaryOperator.Divide,
                "//" => BinaryOperator.FloorDivide,
                "%" => BinaryOperator.Modulo,
                _ => null,
            };
            if (op is null)
            {
                return left;
            }

            var position = stream.Next().Position;
            left = new BinaryExpression(op.Value, left, ParsePower(), position);
        }
    }

    private Expression ParsePower()
    {
        var left = ParseUnary(withFilters: true);
        while (stream.Current.IsOperator("**"))
        {
            var position = stream.Next().Position;
            left = new BinaryExpression(BinaryOperator.Power, left, ParseUnary(withFilters: true), position);
        }

        return left;
    }

    /// <summary>As jinja2: the operand of a sign takes no filters, but the signed value does (-1|abs is 1).</summary>
    private Expression ParseUnary(bool withFilters)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var token = stream.Current;
        Expression node;
        if (token.IsOperator("-") || token.IsOperator("+"))
        {
            stream.Next();
            var op = token.Text == "-" ? UnaryOperator.Negate : UnaryOperator.Plus;
            node = new UnaryExpression(op, ParseUnary(withFilters: false), token.Position);
        }
        else
        {
            node = ParsePrimary();
        }

        node = ParsePostfix(node);
        return withFilters ? ParseFiltersAndTests(node) : node;
    }
}
