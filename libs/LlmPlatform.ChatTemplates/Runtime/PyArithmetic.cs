namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Python arithmetic: int stays int (true division gives float), // and % floor toward negative
/// infinity, + concatenates strings and lists, * repeats them. Integers are 64-bit here; Python's
/// would grow, so overflow is reported instead of wrapping.
/// </summary>
internal static class PyArithmetic
{
    public static object? Apply(BinaryOperator op, object? left, object? right)
    {
        PyOps.FailIfUndefined(left, right);
        try
        {
            return op switch
            {
                BinaryOperator.Add => Add(left, right),
                BinaryOperator.Subtract => Numeric(left, right, "-", (a, b) => checked(a - b), (a, b) => a - b),
                BinaryOperator.Multiply => Multiply(left, right),
                BinaryOperator.Divide => Divide(left, right),
                BinaryOperator.FloorDivide => FloorDivide(left, right),
                BinaryOperator.Modulo => Modulo(left, right),
                BinaryOperator.Power => Power(left, right),
                _ => throw new ArgumentOutOfRangeException(nameof(op), op, "not an arithmetic operator"),
            };
        }
        catch (OverflowException)
        {
            throw new PythonError("OverflowError", "integer result does not fit in 64 bits");
        }
    }

    public static object? Negate(object? operand)
    {
        PyOps.FailIfUndefined(operand);
        return operand switch
        {
            double d => (object)-d,
            bool or long => checked(-PyOps.ToLong(operand)),
            _ => throw PythonError.Type($"bad operand type for unary -: '{PyFormat.TypeName(operand)}'"),
        };
    }

    public static object? Plus(object? operand)
    {
        PyOps.FailIfUndefined(operand);
        return operand switch
        {
            double d => (object)d,
            bool or long => PyOps.ToLong(operand),
            _ => throw PythonError.Type($"bad operand type for unary +: '{PyFormat.TypeName(operand)}'"),
        };
    }

    private static object? Add(object? left, object? right) => (left, right) switch
    {
        (string a, string b) => a + b,
        (string, _) => throw PythonError.Type($"can only concatenate str (not \"{PyFormat.TypeName(right)}\") to str"),
        (List<object?> a, List<object?> b) => new List<object?>(a.Concat(b)),
        (List<object?>, _) => throw PythonError.Type($"can only concatenate list (not \"{PyFormat.TypeName(right)}\") to list"),
        (PyTuple a, PyTuple b) => new PyTuple([.. a.Items, .. b.Items]),
        (PyTuple, _) => throw PythonError.Type($"can only concatenate tuple (not \"{PyFormat.TypeName(right)}\") to tuple"),
        _ => Numeric(left, right, "+", (a, b) => checked(a + b), (a, b) => a + b),
    };

    private static object? Multiply(object? left, object? right) => (left, right) switch
    {
        (string text, bool or long) => Repeat(text, PyOps.ToLong(right)),
        (bool or long, string text) => Repeat(text, PyOps.ToLong(left)),
        (List<object?> list, bool or long) => RepeatList(list, PyOps.ToLong(right)),
        (bool or long, List<object?> list) => RepeatList(list, PyOps.ToLong(left)),
        (PyTuple tuple, bool or long) => new PyTuple(RepeatList([.. tuple.Items], PyOps.ToLong(right))),
        (bool or long, PyTuple tuple) => new PyTuple(RepeatList([.. tuple.Items], PyOps.ToLong(left))),
        (string or List<object?> or PyTuple, _) => throw PythonError.Type($"can't multiply sequence by non-int of type '{PyFormat.TypeName(right)}'"),
        (_, string or List<object?> or PyTuple) => throw PythonError.Type($"can't multiply sequence by non-int of type '{PyFormat.TypeName(left)}'"),
        _ => Numeric(left, right, "*", (a, b) => checked(a * b), (a, b) => a * b),
    };

    private static object? Divide(object? left, object? right)
    {
        RequireNumbers(left, right, "/");
        var divisor = PyOps.ToDouble(right);
        return divisor == 0
            ? throw PythonError.ZeroDivision(left is double || right is double ? "float division by zero" : "division by zero")
            : PyOps.ToDouble(left) / divisor;
    }

    private static object? FloorDivide(object? left, object? right)
    {
        RequireNumbers(left, right, "//");
        if (left is double || right is double)
        {
            var divisor = PyOps.ToDouble(right);
            return divisor == 0
                ? throw PythonError.ZeroDivision("float floor division by zero")
                : Math.Floor(PyOps.ToDouble(left) / divisor);
        }

        long a = PyOps.ToLong(left), b = PyOps.ToLong(right);
        if (b == 0)
        {
            throw PythonError.ZeroDivision("integer division or modulo by zero");
        }

        var quotient = checked(a / b);
        return a % b != 0 && (a < 0) != (b < 0) ? quotient - 1 : quotient;
    }

    private static object? Modulo(object? left, object? right)
    {
        if (left is string)
        {
            throw PythonError.Type("printf-style string formatting ('...' % value) is not supported");
        }

        RequireNumbers(left, right, "%");
        if (left is double || right is double)
        {
            double a = PyOps.ToDouble(left), b = PyOps.ToDouble(right);
            if (b == 0)
            {
                throw PythonError.ZeroDivision("float modulo");
            }

            var remainder = a % b;
            return remainder != 0 && (remainder < 0) != (b < 0) ? remainder + b : remainder;
        }

        long x = PyOps.ToLong(left), y = PyOps.ToLong(right);
        if (y == 0)
        {
            throw PythonError.ZeroDivision("integer division or modulo by zero");
        }

        var r = x % y;
        return r != 0 && (r < 0) != (y < 0) ? r + y : r;
    }

    private static object? Power(object? left, object? right)
    {
        RequireNumbers(left, right, "** or pow()");
        if (left is double || right is double || PyOps.ToLong(right) < 0)
        {
            double a = PyOps.ToDouble(left), b = PyOps.ToDouble(right);
            return a == 0 && b < 0 ? throw PythonError.ZeroDivision("0.0 cannot be raised to a negative power") : Math.Pow(a, b);
        }

        long result = 1, factor = PyOps.ToLong(left);
        for (var exponent = PyOps.ToLong(right); exponent > 0; exponent >>= 1)
        {
            if ((exponent & 1) == 1)
            {
                result = checked(result * factor);
            }

            if (exponent > 1)
            {
                factor = checked(factor * factor);
            }
        }

        return result;
    }

    private static object Numeric(object? left, object? right, string symbol, Func<long, long, long> onIntegers, Func<double, double, double> onFloats)
    {
        RequireNumbers(left, right, symbol);
        // Boxed per branch: a bare conditional would widen the long result to double.
        return left is double || right is double
            ? (object)onFloats(PyOps.ToDouble(left), PyOps.ToDouble(right))
            : onIntegers(PyOps.ToLong(left), PyOps.ToLong(right));
    }

    private static void RequireNumbers(object? left, object? right, string symbol)
    {
        if (!PyOps.IsNumber(left) || !PyOps.IsNumber(right))
        {
            throw PythonError.Type($"unsupported operand type(s) for {symbol}: '{PyFormat.TypeName(left)}' and '{PyFormat.TypeName(right)}'");
        }
    }

    private static string Repeat(string text, long count) =>
        count <= 0 ? "" : string.Concat(Enumerable.Repeat(text, checked((int)count)));

    private static List<object?> RepeatList(List<object?> list, long count) =>
        count <= 0 ? [] : [.. Enumerable.Repeat(list, checked((int)count)).SelectMany(items => items)];
}
