namespace LlmPlatform.Tokenizers;

/// <summary>
/// GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves and the other 68 bytes are shifted to
/// U+0100 and up, so that byte-level BPE tokens are strings of visible characters without spaces.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);

    public static char ToChar(byte value) => ByteToChar[value];

    public static bool TryGetByte(char c, out byte value) => CharToByte.TryGetValue(c, out value);

    /// <summary>The byte-level spelling of UTF-8 bytes.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (chars, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                chars[i] = ByteToChar[source[i]];
            }
        });
    }

    private static char[] BuildByteToChar()
    {
        var alphabet = new char[256];
        var shifted = 0;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            alphabet[b] = printable ? (char)b : (char)(256 + shifted++);
        }

        return alphabet;
    }
}
