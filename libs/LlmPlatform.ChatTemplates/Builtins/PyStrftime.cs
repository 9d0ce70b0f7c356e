using System.Globalization;
using System.Text;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// datetime.strftime in the C locale, for strftime_now: the codes chat templates use for "today's date"
/// (%d %b %Y, %B %d, %Y, ...). glibc's %-d style (no padding) is honoured; an unknown code is copied.
/// </summary>
internal static class PyStrftime
{
    public static string Format(DateTimeOffset time, string format)
    {
        var result = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                result.Append(format[i]);
                continue;
            }

            var unpadded = format[i + 1] == '-' && i + 2 < format.Length;
            var code = format[unpadded ? i + 2 : i + 1];
            var text = Expand(time, code);
            if (text is null)
            {
                result.Append(format, i, unpadded ? 3 : 2);
            }
            else
            {
                result.Append(unpadded ? text.TrimStart('0').PadLeft(1, '0') : text);
            }

            i += unpadded ? 2 : 1;
        }

        return result.ToString();
    }

    private static string? Expand(DateTimeOffset time, char code)
    {
        var invariant = CultureInfo.InvariantCulture;
        return code switch
        {
            'a' => time.ToString("ddd", invariant),
            'A' => time.ToString("dddd", invariant),
            'b' or 'h' => time.ToString("MMM", invariant),
            'B' => time.ToString("MMMM", invariant),
            'd' => time.ToString("dd", invariant),
            'e' => time.Day.ToString(invariant).PadLeft(2),
            'H' => time.ToString("HH", invariant),
            'I' => time.ToString("hh", invariant),
            'j' => time.DayOfYear.ToString("000", invariant),
            'm' => time.ToString("MM", invariant),
            'M' => time.ToString("mm", invariant),
            'p' => time.Hour < 12 ? "AM" : "PM",
            'S' => time.ToString("ss", invariant),
            'y' => time.ToString("yy", invariant),
            'Y' => time.Year.ToString(invariant),
            'F' => time.ToString("yyyy-MM-dd", invariant),
            'T' => time.ToString("HH:mm:ss", invariant),
            '%' => "%",
            _ => null,
        };
    }
}
