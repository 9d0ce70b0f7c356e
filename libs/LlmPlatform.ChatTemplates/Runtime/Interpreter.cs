using System.Runtime.CompilerServices;
using System.Text;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Renders the statement tree. Holds the per-render state: where it is (for error messages) and how
/// deep macro calls go, so that a runaway recursive macro fails like Python's RecursionError instead
/// of overflowing the stack.
/// </summary>
internal sealed class Interpreter
{
    private const int MaxMacroDepth = 100;

    private int macroDepth;

    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    /// <summary>The statement being rendered when an error surfaces.</summary>
    public SourcePosition Position { get; private set; } = SourcePosition.Start;

    public string Render(IReadOnlyList<Statement> body, Scope scope)
    {
        var output = new StringBuilder();
        Execute(body, scope, output);
        return output.ToString();
    }

    public string CallMacro(MacroStatement macro, Scope closure, CallArguments arguments)
    {
        var parameters = macro.Parameters;
        if (arguments.Positional.Count > parameters.Count)
        {
            throw PythonError.Type($"macro '{macro.Name}' takes not more than {parameters.Count} argument(s)");
        }

        var unknown = arguments.Keywords.FirstOrDefault(k => !parameters.Skip(arguments.Positional.Count).Any(p => p.Name == k.Key));
        if (unknown.Key is not null)
        {
            throw PythonError.Type($"macro '{macro.Name}' takes no keyword argument '{unknown.Key}'");
        }

        if (macroDepth >= MaxMacroDepth)
        {
            throw new PythonError("RecursionError", $"maximum recursion depth exceeded in macro '{macro.Name}'");
        }

        var caller = Position;
        var scope = new Scope(closure);
        var output = new StringBuilder();
        macroDepth++;
        try
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                var parameter = parameters[i];
                var value = arguments.Has(i, parameter.Name) ? arguments.Get(i, parameter.Name)
                    : parameter.Default is not null ? ExpressionEvaluator.Evaluate(parameter.Default, scope)
                    : Undefined.WithHint($"parameter '{parameter.Name}' was not provided");
                scope.Set(parameter.Name, value);
            }

            Execute(macro.Body, scope, output);
        }
        finally
        {
            macroDepth--;
        }

        // Errors keep pointing inside the macro; a normal return resumes at the calling statement.
        Position = caller;
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Statement> body, Scope scope, StringBuilder output)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        foreach (var statement in body)
        {
            Position = statement.Position;
            var flow = statement switch
            {
                TextStatement text => Write(output, text.Text),
                OutputStatement print => Write(output, PyFormat.Str(ExpressionEvaluator.Evaluate(print.Value, scope))),
                IfStatement branch => ExecuteIf(branch, scope, output),
                ForStatement loop => ExecuteFor(loop, scope, output),
                SetStatement set => Assign(set.Target, ExpressionEvaluator.Evaluate(set.Value, scope), scope),
                SetBlockStatement set => Assign(set.Target, Capture(set.Body, scope), scope),
                MacroStatement macro => Assign(new NameTarget(macro.Name), new Macro(macro, scope, this), scope),
                GenerationStatement generation => Write(output, Capture(generation.Body, scope)),
                BreakStatement => Flow.Break,
                ContinueStatement => Flow.Continue,
                _ => throw new InvalidOperationException($"Unknown statement {statement.GetType().Name}"),
            };
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }

        return Flow.Normal;
    }

    private static Flow Write(StringBuilder output, string text)
    {
        output.Append(text);
        return Flow.Normal;
    }

    private Flow ExecuteIf(IfStatement statement, Scope scope, StringBuilder output)
    {
        foreach (var branch in statement.Branches)
        {
            if (PyOps.Truthy(ExpressionEvaluator.Evaluate(branch.Condition, scope)))
            {
                return Execute(branch.Body, scope, output);
            }
        }

        return Execute(statement.Otherwise, scope, output);
    }

    private Flow ExecuteFor(ForStatement statement, Scope scope, StringBuilder output)
    {
        var items = PyOps.Iterate(ExpressionEvaluator.Evaluate(statement.Iterable, scope));
        if (statement.Filter is { } filter)
        {
            // The filter sees the loop variables but not `loop`, and the loop counts only what passes it.
            items = [.. items.Where(item =>
            {
                var candidate = new Scope(scope);
                Assign(statement.Target, item, candidate);
                return PyOps.Truthy(ExpressionEvaluator.Evaluate(filter, candidate));
            })];
        }

        if (items.Count == 0)
        {
            return Execute(statement.Otherwise, new Scope(scope), output);
        }

        var loop = new LoopContext(items);
        for (var i = 0; i < items.Count; i++)
        {
            loop.Index0 = i;
            var iteration = new Scope(scope);
            Assign(statement.Target, items[i], iteration);
            iteration.Set("loop", loop);
            if (Execute(statement.Body, iteration, output) == Flow.Break)
            {
                break;
            }
        }

        return Flow.Normal;
    }

    private string Capture(IReadOnlyList<Statement> body, Scope scope)
    {
        var output = new StringBuilder();
        Execute(body, new Scope(scope), output);
        return output.ToString();
    }

    private static Flow Assign(AssignTarget target, object? value, Scope scope)
    {
        switch (target)
        {
            case NameTarget name:
                scope.Set(name.Name, value);
                break;
            case TupleTarget tuple:
                var items = PyOps.Iterate(value);
                if (items.Count != tuple.Names.Count)
                {
                    throw PythonError.Value(items.Count < tuple.Names.Count
                        ? $"not enough values to unpack (expected {tuple.Names.Count}, got {items.Count})"
                        : $"too many values to unpack (expected {tuple.Names.Count})");
                }

                for (var i = 0; i < items.Count; i++)
                {
                    scope.Set(tuple.Names[i], items[i]);
                }

                break;
            case AttributeTarget attribute:
                if (scope.Resolve(attribute.ObjectName) is not Namespace ns)
                {
                    throw new PythonError("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
                }

                ns.SetAttribute(attribute.Attribute, value);
                break;
        }

        return Flow.Normal;
    }
}
