namespace LlmPlatform.ChatTemplates;

/// <summary>jinja2's tests (<c>x is defined</c>, <c>x is string</c>, <c>x is divisibleby 3</c>, ...).</summary>
internal static class BuiltinTests
{
    private static readonly Dictionary<string, Func<object?, CallArguments, bool>> Tests = new(StringComparer.Ordinal)
    {
        ["defined"] = (value, _) => value is not Undefined,
        ["undefined"] = (value, _) => value is Undefined,
        ["none"] = (value, _) => value is null,
        ["boolean"] = (value, _) => value is bool,
        ["true"] = (value, _) => value is true,
        ["false"] = (value, _) => value is false,
        ["integer"] = (value, _) => value is long,
        ["float"] = (value, _) => value is double,
        ["number"] = (value, _) => PyOps.IsNumber(value),
        ["string"] = (value, _) => value is string,
        ["mapping"] = (value, _) => value is PyDict,
        ["iterable"] = (value, _) => PyOps.IsIterable(value),
        ["sequence"] = (value, _) => value is string or List<object?> or PyTuple or PyDict or Undefined,
        ["callable"] = (value, _) => value is IPyCallable or Undefined,
        ["odd"] = (value, _) => PyOps.Equal(PyArithmetic.Apply(BinaryOperator.Modulo, value, 2L), 1L),
        ["even"] = (value, _) => PyOps.Equal(PyArithmetic.Apply(BinaryOperator.Modulo, value, 2L), 0L),
        ["divisibleby"] = (value, a) => PyOps.Equal(PyArithmetic.Apply(BinaryOperator.Modulo, value, Argument(a, "num")), 0L),
        ["eq"] = Equal,
        ["equalto"] = Equal,
        ["=="] = Equal,
        ["ne"] = (value, a) => !Equal(value, a),
        ["!="] = (value, a) => !Equal(value, a),
        ["lt"] = (value, a) => Order(value, a, "<") < 0,
        ["lessthan"] = (value, a) => Order(value, a, "<") < 0,
        ["<"] = (value, a) => Order(value, a, "<") < 0,
        ["le"] = (value, a) => Order(value, a, "<=") <= 0,
        ["<="] = (value, a) => Order(value, a, "<=") <= 0,
        ["gt"] = (value, a) => Order(value, a, ">") > 0,
        ["greaterthan"] = (value, a) => Order(value, a, ">") > 0,
        [">"] = (value, a) => Order(value, a, ">") > 0,
        ["ge"] = (value, a) => Order(value, a, ">=") >= 0,
        [">="] = (value, a) => Order(value, a, ">=") >= 0,
        ["in"] = (value, a) => PyOps.Contains(Argument(a, "seq"), value),
        ["sameas"] = SameAs,
        ["lower"] = (value, _) => PyStringMethods.Bind(PyFormat.Str(value), "islower")!.Invoke(CallArguments.Empty) is true,
        ["upper"] = (value, _) => PyStringMethods.Bind(PyFormat.Str(value), "isupper")!.Invoke(CallArguments.Empty) is true,
        ["filter"] = (value, _) => value is string name && BuiltinFilters.IsKnown(name),
        ["test"] = (value, _) => value is string name && IsKnown(name),
    };

    public static bool IsKnown(string name) => Tests.ContainsKey(name);

    public static bool Run(string name, object? value, CallArguments arguments) =>
        Tests.TryGetValue(name, out var test)
            ? test(value, arguments)
            : throw new PythonError("TemplateRuntimeError", $"No test named '{name}' found.");

    private static object? Argument(CallArguments arguments, string name) =>
        arguments.Require(name, 1, name).Get(0, name);

    private static bool Equal(object? value, CallArguments arguments) => PyOps.Equal(value, Argument(arguments, "other"));

    private static int Order(object? value, CallArguments arguments, string symbol) =>
        PyOps.Compare(value, Argument(arguments, "other"), symbol);

    /// <summary>Python's "is": identity, which for None, booleans and small values means equal value.</summary>
    private static bool SameAs(object? value, CallArguments arguments)
    {
        var other = Argument(arguments, "other");
        return (value, other) switch
        {
            (null, null) => true,
            (bool a, bool b) => a == b,
            (long a, long b) => a == b && a is >= -5 and <= 256,
            _ => ReferenceEquals(value, other),
        };
    }
}
