using System.Runtime.CompilerServices;

namespace LlmPlatform.ChatTemplates;

/// <summary>Evaluates expression trees against a scope, with jinja2's semantics for each node.</summary>
internal static class ExpressionEvaluator
{
    public static object? Evaluate(Expression expression, Scope scope)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        return EvaluateNode(expression, scope);
    }

    private static object? EvaluateNode(Expression expression, Scope scope) => expression switch
    {
        ConstantExpression constant => constant.Value,
        NameExpression name => scope.Resolve(name.Name),
        AttributeExpression access => AttributeAccess.GetAttribute(Evaluate(access.Target, scope), access.Attribute),
        ItemExpression access => AttributeAccess.GetItem(Evaluate(access.Target, scope), Evaluate(access.Key, scope)),
        SliceExpression slice => new PySlice(EvaluateOptional(slice.Start, scope), EvaluateOptional(slice.Stop, scope), EvaluateOptional(slice.Step, scope)),
        CallExpression call => Call(Evaluate(call.Callee, scope), EvaluateArguments(call.Arguments, scope)),
        FilterExpression filter => BuiltinFilters.Apply(filter.Name, Evaluate(filter.Value, scope), EvaluateArguments(filter.Arguments, scope)),
        TestExpression test => BuiltinTests.Run(test.Name, Evaluate(test.Value, scope), EvaluateArguments(test.Arguments, scope)),
        UnaryExpression unary => EvaluateUnary(unary, scope),
        BinaryExpression binary => EvaluateBinary(binary, scope),
        CompareExpression compare => EvaluateCompare(compare, scope),
        ConditionalExpression conditional => PyOps.Truthy(Evaluate(conditional.Condition, scope))
            ? Evaluate(conditional.Then, scope)
            : conditional.Otherwise is { } otherwise
                ? Evaluate(otherwise, scope)
                : Undefined.WithHint($"the inline if-expression on line {conditional.Position.Line} evaluated to false and no else section was defined."),
        ListExpression list => list.Items.Select(item => Evaluate(item, scope)).ToList(),
        TupleExpression tuple => new PyTuple([.. tuple.Items.Select(item => Evaluate(item, scope))]),
        DictExpression dict => EvaluateDict(dict, scope),
        _ => throw new InvalidOperationException($"Unknown expression {expression.GetType().Name}"),
    };

    private static object? EvaluateOptional(Expression? expression, Scope scope) =>
        expression is null ? null : Evaluate(expression, scope);

    private static CallArguments EvaluateArguments(ArgumentList arguments, Scope scope) =>
        arguments.Positional.Count == 0 && arguments.Keywords.Count == 0
            ? CallArguments.Empty
            : new CallArguments(
                [.. arguments.Positional.Select(argument => Evaluate(argument, scope))],
                [.. arguments.Keywords.Select(keyword => new KeyValuePair<string, object?>(keyword.Key, Evaluate(keyword.Value, scope)))]);

    private static object? Call(object? callee, CallArguments arguments) => callee switch
    {
        IPyCallable callable => callable.Invoke(arguments),
        Undefined undefined => throw undefined.Fail(),
        _ => throw PythonError.Type($"'{PyFormat.TypeName(callee)}' object is not callable"),
    };

    private static object? EvaluateUnary(UnaryExpression unary, Scope scope)
    {
        var operand = Evaluate(unary.Operand, scope);
        return unary.Operator switch
        {
            UnaryOperator.Not => !PyOps.Truthy(operand),
            UnaryOperator.Negate => PyArithmetic.Negate(operand),
            _ => PyArithmetic.Plus(operand),
        };
    }

    private static object? EvaluateBinary(BinaryExpression binary, Scope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case BinaryOperator.And:
                return PyOps.Truthy(left) ? Evaluate(binary.Right, scope) : left;
            case BinaryOperator.Or:
                return PyOps.Truthy(left) ? left : Evaluate(binary.Right, scope);
            case BinaryOperator.Concat:
                return PyFormat.Str(left) + PyFormat.Str(Evaluate(binary.Right, scope));
            default:
                return PyArithmetic.Apply(binary.Operator, left, Evaluate(binary.Right, scope));
        }
    }

    private static bool EvaluateCompare(CompareExpression compare, Scope scope)
    {
        var left = Evaluate(compare.First, scope);
        foreach (var (op, expression) in compare.Rest)
        {
            var right = Evaluate(expression, scope);
            var holds = op switch
            {
                CompareOperator.Equal => PyOps.Equal(left, right),
                CompareOperator.NotEqual => !PyOps.Equal(left, right),
                CompareOperator.Less => PyOps.Compare(left, right, "<") < 0,
                CompareOperator.LessOrEqual => PyOps.Compare(left, right, "<=") <= 0,
                CompareOperator.Greater => PyOps.Compare(left, right, ">") > 0,
                CompareOperator.GreaterOrEqual => PyOps.Compare(left, right, ">=") >= 0,
                CompareOperator.In => PyOps.Contains(right, left),
                _ => !PyOps.Contains(right, left),
            };
            if (!holds)
            {
                return false;
            }

            left = right;
        }

        return true;
    }

    private static PyDict EvaluateDict(DictExpression dict, Scope scope)
    {
        var result = new PyDict();
        foreach (var (key, value) in dict.Pairs)
        {
            result.Set(Evaluate(key, scope), Evaluate(value, scope));
        }

        return result;
    }
}
