using System.Globalization;
using System.Numerics;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Python's round(x, ndigits): the exact binary value rounded to ndigits decimals, ties to even
/// (round(2.5) is 2, round(2.675, 2) is 2.67 because 2.675 is stored just below).
/// </summary>
internal static class PyRound
{
    public static object Round(object? value, long digits) => value switch
    {
        bool or long => (object)RoundInteger(PyOps.ToLong(value), digits),
        double d => RoundFloat(d, digits),
        _ => throw PythonError.Type($"type {PyFormat.TypeName(value)} doesn't define __round__ method"),
    };

    private static long RoundInteger(long value, long digits)
    {
        if (digits >= 0)
        {
            return value;
        }

        var unit = BigInteger.Pow(10, (int)Math.Min(-digits, 30));
        return (long)(RoundHalfEven(value, unit) * unit);
    }

    private static double RoundFloat(double value, long digits)
    {
        if (double.IsNaN(value) || double.IsInfinity(value) || value == 0)
        {
            return value;
        }

        // value = mantissa * 2^exponent exactly; scale by 10^digits as a fraction and round that.
        var bits = BitConverter.DoubleToInt64Bits(Math.Abs(value));
        var rawExponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = new BigInteger(bits & 0xFFFFFFFFFFFFFL);
        if (rawExponent != 0)
        {
            mantissa += BigInteger.One << 52;
        }

        var exponent = (rawExponent == 0 ? 1 : rawExponent) - 1075;
        var scale = (int)Math.Clamp(digits, -400, 400);
        var numerator = mantissa * BigInteger.Pow(10, Math.Max(scale, 0)) * (exponent > 0 ? BigInteger.One << exponent : BigInteger.One);
        var denominator = BigInteger.Pow(10, Math.Max(-scale, 0)) * (exponent < 0 ? BigInteger.One << -exponent : BigInteger.One);
        var rounded = RoundHalfEven(numerator, denominator);
        var result = double.Parse($"{rounded}E{-scale}", NumberStyles.Float, CultureInfo.InvariantCulture);
        return value < 0 ? -result : result;
    }

    private static BigInteger RoundHalfEven(BigInteger numerator, BigInteger denominator)
    {
        var quotient = BigInteger.DivRem(numerator, denominator, out var remainder);
        if (remainder.Sign < 0)
        {
            quotient -= 1;
            remainder += denominator;
        }

        var twice = remainder * 2;
        return twice > denominator || (twice == denominator && !quotient.IsEven) ? quotient + 1 : quotient;
    }
}
