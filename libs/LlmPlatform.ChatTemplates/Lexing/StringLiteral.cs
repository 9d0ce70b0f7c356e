using System.Globalization;
using System.Text;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// Decodes the body of a quoted literal as jinja2 does, which is Python's
/// <c>body.encode("ascii", "backslashreplace").decode("unicode-escape")</c>: the usual escapes are
/// decoded, an unknown escape keeps its backslash.
/// </summary>
internal static class StringLiteral
{
    public static string Unescape(string body, SourcePosition position)
    {
        if (!body.Contains('\\'))
        {
            return body;
        }

        var result = new StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c != '\\' || i + 1 == body.Length)
            {
                result.Append(c);
                continue;
            }

            var escape = body[++i];
            switch (escape)
            {
                case '\n':
                    break;
                case '\\' or '\'' or '"':
                    result.Append(escape);
                    break;
                case 'a': result.Append('\a'); break;
                case 'b': result.Append('\b'); break;
                case 'f': result.Append('\f'); break;
                case 'n': result.Append('\n'); break;
                case 'r': result.Append('\r'); break;
                case 't': result.Append('\t'); break;
                case 'v': result.Append('\v'); break;
                case >= '0' and <= '7':
                    var end = i;
                    while (end + 1 < body.Length && end - i < 2 && body[end + 1] is >= '0' and <= '7')
                    {
                        end++;
                    }

                    result.Append((char)Convert.ToInt32(body[i..(end + 1)], 8));
                    i = end;
                    break;
                case 'x':
                    i = AppendHex(body, i, 2, result, position);
                    break;
                case 'u':
                    i = AppendHex(body, i, 4, result, position);
                    break;
                case 'U':
                    i = AppendHex(body, i, 8, result, position);
                    break;
                case 'N':
                    throw new ChatTemplateSyntaxException("\\N{...} escapes in string literals are not supported", position);
                default:
                    // Python first turned a non-ASCII character into its own escape (backslashreplace),
                    // so the backslash before it survives followed by that escape's spelling.
                    result.Append('\\');
                    result.Append(escape < 128 ? escape.ToString() : BackslashReplace(body, ref i));
                    break;
            }
        }

        return result.ToString();
    }

    private static int AppendHex(string body, int escapeIndex, int digits, StringBuilder result, SourcePosition position)
    {
        var start = escapeIndex + 1;
        if (start + digits > body.Length
            || !int.TryParse(body.AsSpan(start, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var codePoint)
            || codePoint > 0x10FFFF)
        {
            throw new ChatTemplateSyntaxException($"truncated or invalid \\{body[escapeIndex]} escape in a string literal", position);
        }

        result.Append(codePoint <= 0xFFFF ? ((char)codePoint).ToString() : char.ConvertFromUtf32(codePoint));
        return start + digits - 1;
    }

    private static string BackslashReplace(string body, ref int index)
    {
        var codePoint = char.IsHighSurrogate(body[index]) && index + 1 < body.Length && char.IsLowSurrogate(body[index + 1])
            ? char.ConvertToUtf32(body[index], body[++index])
            : body[index];
        return codePoint switch
        {
            <= 0xFF => $"x{codePoint:x2}",
            <= 0xFFFF => $"u{codePoint:x4}",
            _ => $"U{codePoint:x8}",
        };
    }
}
