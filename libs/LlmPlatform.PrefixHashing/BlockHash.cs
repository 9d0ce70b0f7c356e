using System.Buffers.Binary;
using System.Globalization;

namespace LlmPlatform.PrefixHashing;

/// <summary>
/// One link of a prompt's prefix hash chain: the first 16 bytes of a SHA-256 digest. 128 bits because a collision
/// would hand one prompt another prompt's KV cache, a silently wrong answer; at 64 bits a birthday search (2^32
/// tries) could craft one on purpose.
/// </summary>
public readonly record struct BlockHash(UInt128 Value)
{
    /// <summary>Bytes in the wire form (<see cref="WriteTo"/>), which is also the form hashed as a parent.</summary>
    public const int Size = 16;

    /// <summary>Reads the digest bytes in order, so that the value's hex is the digest's hex.</summary>
    public static BlockHash FromBytes(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    /// <summary>Parses the 32 lowercase or uppercase hex digits that <see cref="ToString"/> writes.</summary>
    public static BlockHash Parse(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (hex.Length != 2 * Size || !UInt128.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            throw new FormatException($"A block hash is {2 * Size} hex digits, got '{hex}'.");
        return new BlockHash(value);
    }

    /// <summary>Writes the 16 digest bytes in order (big-endian value).</summary>
    public void WriteTo(Span<byte> destination) => BinaryPrimitives.WriteUInt128BigEndian(destination, Value);

    /// <summary>The 32 lowercase hex digits of the digest bytes, as Redis keys and test vectors spell it.</summary>
    public override string ToString() => Value.ToString("x32", CultureInfo.InvariantCulture);
}
