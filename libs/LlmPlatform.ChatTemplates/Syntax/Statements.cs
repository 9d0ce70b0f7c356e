namespace LlmPlatform.ChatTemplates;

internal abstract record Statement(SourcePosition Position);

internal sealed record TextStatement(string Text, SourcePosition Position) : Statement(Position);

internal sealed record OutputStatement(Expression Value, SourcePosition Position) : Statement(Position);

internal sealed record ConditionalBranch(Expression Condition, IReadOnlyList<Statement> Body);

internal sealed record IfStatement(IReadOnlyList<ConditionalBranch> Branches, IReadOnlyList<Statement> Otherwise, SourcePosition Position)
    : Statement(Position);

/// <summary><c>for target in iterable [if filter]</c>; <see cref="Otherwise"/> runs when no item passed the filter.</summary>
internal sealed record ForStatement(
    AssignTarget Target,
    Expression Iterable,
    Expression? Filter,
    IReadOnlyList<Statement> Body,
    IReadOnlyList<Statement> Otherwise,
    SourcePosition Position) : Statement(Position);

internal sealed record SetStatement(AssignTarget Target, Expression Value, SourcePosition Position) : Statement(Position);

/// <summary><c>{% set name %}...{% endset %}</c>: the rendered body becomes the value.</summary>
internal sealed record SetBlockStatement(AssignTarget Target, IReadOnlyList<Statement> Body, SourcePosition Position) : Statement(Position);

internal sealed record MacroParameter(string Name, Expression? Default);

internal sealed record MacroStatement(string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Statement> Body, SourcePosition Position)
    : Statement(Position);

/// <summary>
/// <c>{% generation %}...{% endgeneration %}</c>, from transformers' AssistantTracker extension: it marks
/// assistant text for return_assistant_tokens_mask and otherwise renders its body (in a frame of its own).
/// </summary>
internal sealed record GenerationStatement(IReadOnlyList<Statement> Body, SourcePosition Position) : Statement(Position);

internal sealed record BreakStatement(SourcePosition Position) : Statement(Position);

internal sealed record ContinueStatement(SourcePosition Position) : Statement(Position);

/// <summary>Where <c>set</c> and <c>for</c> store values.</summary>
internal abstract record AssignTarget;

internal sealed record NameTarget(string Name) : AssignTarget;

/// <summary><c>a, b</c>: unpacks a sequence of exactly that many items.</summary>
internal sealed record TupleTarget(IReadOnlyList<string> Names) : AssignTarget;

/// <summary><c>ns.attribute</c>: only namespace() objects accept it.</summary>
internal sealed record AttributeTarget(string ObjectName, string Attribute) : AssignTarget;
