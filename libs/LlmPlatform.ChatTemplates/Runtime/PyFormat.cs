using System.Globalization;
using System.Text;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Python's str() and repr() of template values, which is what jinja2 prints: True/False/None,
/// floats in repr's shortest form (1.0, 1e-05, 1e+16), lists and dicts with single-quoted strings.
/// </summary>
internal static class PyFormat
{
    public static string Str(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    public static string Repr(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatRepr(d),
        string s => StringRepr(s),
        List<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        PyTuple { Items.Count: 1 } tuple => "(" + Repr(tuple.Items[0]) + ",)",
        PyTuple tuple => "(" + string.Join(", ", tuple.Items.Select(Repr)) + ")",
        PyDict dict => "{" + string.Join(", ", dict.Pairs.Select(p => Repr(p.Key) + ": " + Repr(p.Value))) + "}",
        Undefined => "Undefined",
        Namespace ns => "<Namespace " + string.Join(", ", ns.Attributes.Select(a => a.Key + "=" + Repr(a.Value))) + ">",
        LoopContext loop => $"<LoopContext {loop.Index0 + 1}>",
        Macro macro => $"<Macro '{macro.Name}'>",
        PyFunction { IsMethod: true } method => $"<built-in method {method.Name} of {TypeName(method.Receiver)} object>",
        PyFunction function => $"<function {function.Name}>",
        _ => value.ToString() ?? "",
    };

    /// <summary>The name type(value).__name__ gives, as used in Python's error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        PyTuple => "tuple",
        PyDict => "dict",
        Undefined => "Undefined",
        Namespace => "Namespace",
        LoopContext => "LoopContext",
        Macro => "Macro",
        PyFunction { IsMethod: true } => "builtin_function_or_method",
        _ => "function",
    };

    /// <summary>jinja2's object_type_repr, used in "'dict object' has no attribute 'x'".</summary>
    public static string ObjectTypeRepr(object? value) => value switch
    {
        null => "None",
        Undefined => "jinja2.runtime.Undefined object",
        Namespace => "jinja2.utils.Namespace object",
        LoopContext => "jinja2.runtime.LoopContext object",
        Macro => "jinja2.runtime.Macro object",
        _ => TypeName(value) + " object",
    };

    /// <summary>
    /// float.__repr__: the shortest digits that round-trip, in positional notation when the decimal
    /// exponent is in [-4, 16), otherwise as d.ddde+XX.
    /// </summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "nan";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "inf" : "-inf";
        }

        var (negative, digits, pointPosition) = ShortestDigits(value);
        var sign = negative ? "-" : "";
        if (pointPosition is > 16 or < -3)
        {
            var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            var exponent = pointPosition - 1;
            return $"{sign}{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
        }

        if (pointPosition <= 0)
        {
            return sign + "0." + new string('0', -pointPosition) + digits;
        }

        return pointPosition >= digits.Length
            ? sign + digits + new string('0', pointPosition - digits.Length) + ".0"
            : sign + digits[..pointPosition] + "." + digits[pointPosition..];
    }

    /// <summary>
    /// The round-trip digits of <paramref name="value"/> without leading or trailing zeros, and where the
    /// decimal point goes: value = 0.digits × 10^pointPosition.
    /// </summary>
    private static (bool Negative, string Digits, int PointPosition) ShortestDigits(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = text.StartsWith('-');
        if (negative)
        {
            text = text[1..];
        }

        var exponent = 0;
        var e = text.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exponent = int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            text = text[..e];
        }

        var dot = text.IndexOf('.');
        var integerDigits = dot < 0 ? text.Length : dot;
        var allDigits = text.Replace(".", "");
        var leadingZeros = allDigits.Length - allDigits.TrimStart('0').Length;
        var digits = allDigits.Trim('0');
        if (digits.Length == 0)
        {
            return (negative, "0", 1);
        }

        return (negative, digits, integerDigits - leadingZeros + exponent);
    }

    /// <summary>str.__repr__: single quotes unless the text has ' and no ", escapes for unprintable characters.</summary>
    public static string StringRepr(string value)
    {
        var quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        var result = new StringBuilder(value.Length + 2).Append(quote);
        foreach (var codePoint in PyText.CodePoints(value))
        {
            var c = codePoint[0];
            if (c == quote || c == '\\')
            {
                result.Append('\\').Append(c);
            }
            else if (c == '\n')
            {
                result.Append("\\n");
            }
            else if (c == '\r')
            {
                result.Append("\\r");
            }
            else if (c == '\t')
            {
                result.Append("\\t");
            }
            else if (IsPrintable(codePoint))
            {
                result.Append(codePoint);
            }
            else
            {
                var scalar = codePoint.Length == 2 ? char.ConvertToUtf32(codePoint[0], codePoint[1]) : codePoint[0];
                result.Append(scalar switch
                {
                    <= 0xFF => $"\\x{scalar:x2}",
                    <= 0xFFFF => $"\\u{scalar:x4}",
                    _ => $"\\U{scalar:x8}",
                });
            }
        }

        return result.Append(quote).ToString();
    }

    /// <summary>str.isprintable() for one code point: not a control, format, surrogate, private-use, unassigned or separator (other than space).</summary>
    private static bool IsPrintable(string codePoint)
    {
        if (codePoint == " ")
        {
            return true;
        }

        var category = CharUnicodeInfo.GetUnicodeCategory(codePoint, 0);
        return category is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.SpaceSeparator
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator);
    }
}
