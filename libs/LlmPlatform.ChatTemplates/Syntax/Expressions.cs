namespace LlmPlatform.ChatTemplates;

internal abstract record Expression(SourcePosition Position);

internal sealed record ConstantExpression(object? Value, SourcePosition Position) : Expression(Position);

internal sealed record NameExpression(string Name, SourcePosition Position) : Expression(Position);

/// <summary><c>target.attribute</c>: attribute first, then item, as jinja2's getattr.</summary>
internal sealed record AttributeExpression(Expression Target, string Attribute, SourcePosition Position) : Expression(Position);

/// <summary><c>target[key]</c>: item first, then attribute, as jinja2's getitem.</summary>
internal sealed record ItemExpression(Expression Target, Expression Key, SourcePosition Position) : Expression(Position);

/// <summary><c>start:stop:step</c> inside brackets; absent parts are null.</summary>
internal sealed record SliceExpression(Expression? Start, Expression? Stop, Expression? Step, SourcePosition Position) : Expression(Position);

internal sealed record ArgumentList(IReadOnlyList<Expression> Positional, IReadOnlyList<KeyValuePair<string, Expression>> Keywords)
{
    public static ArgumentList Empty { get; } = new([], []);
}

internal sealed record CallExpression(Expression Callee, ArgumentList Arguments, SourcePosition Position) : Expression(Position);

internal sealed record FilterExpression(Expression Value, string Name, ArgumentList Arguments, SourcePosition Position) : Expression(Position);

internal sealed record TestExpression(Expression Value, string Name, ArgumentList Arguments, SourcePosition Position) : Expression(Position);

internal enum UnaryOperator
{
    Not,
    Negate,
    Plus,
}

internal sealed record UnaryExpression(UnaryOperator Operator, Expression Operand, SourcePosition Position) : Expression(Position);

internal enum BinaryOperator
{
    Add,
    Subtract,
    Multiply,
    Divide,
    FloorDivide,
    Modulo,
    Power,
    Concat,
    And,
    Or,
}

internal sealed record BinaryExpression(BinaryOperator Operator, Expression Left, Expression Right, SourcePosition Position) : Expression(Position);

internal enum CompareOperator
{
    Equal,
    NotEqual,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    In,
    NotIn,
}

/// <summary>A chain like <c>a &lt; b &lt;= c</c>, true when every link holds (Python semantics).</summary>
internal sealed record CompareExpression(Expression First, IReadOnlyList<KeyValuePair<CompareOperator, Expression>> Rest, SourcePosition Position)
    : Expression(Position);

/// <summary><c>then if condition else otherwise</c>; without <c>else</c> a false condition yields undefined.</summary>
internal sealed record ConditionalExpression(Expression Condition, Expression Then, Expression? Otherwise, SourcePosition Position)
    : Expression(Position);

internal sealed record ListExpression(IReadOnlyList<Expression> Items, SourcePosition Position) : Expression(Position);

internal sealed record TupleExpression(IReadOnlyList<Expression> Items, SourcePosition Position) : Expression(Position);

internal sealed record DictExpression(IReadOnlyList<KeyValuePair<Expression, Expression>> Pairs, SourcePosition Position) : Expression(Position);
