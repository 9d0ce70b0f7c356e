using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LlmPlatform.PrefixHashing;

/// <summary>
/// What a prompt's hash chain starts from (h_-1): the same tokens under another model, cache salt or LoRA adapter
/// have different KV, so they must never share a block. The salt is the tenant by default, so that one tenant cannot
/// learn from time to first token whether another tenant sent a prompt.
/// </summary>
public sealed record PrefixHashSeed
{
    // Tags keep a seed message from ever being read as a block message; a new scheme version takes new tags.
    internal const byte SeedTag = 0x53;
    internal const byte BlockTag = 0x42;

    // Strict, so a lone surrogate fails here instead of hashing as U+FFFD where another language would refuse it.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public PrefixHashSeed(string modelId, string cacheSalt, string? loraAdapterId = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        ArgumentNullException.ThrowIfNull(cacheSalt);
        ModelId = modelId;
        CacheSalt = cacheSalt;
        LoraAdapterId = loraAdapterId ?? "";
        Root = ComputeRoot(ModelId, CacheSalt, LoraAdapterId);
    }

    /// <summary>The base model's id, never an adapter's served name (that is <see cref="LoraAdapterId"/>).</summary>
    public string ModelId { get; }

    public string CacheSalt { get; }

    /// <summary>Empty when the request runs on the base model; null is taken as empty.</summary>
    public string LoraAdapterId { get; }

    /// <summary>h_-1, the parent of the first block.</summary>
    public BlockHash Root { get; }

    private static BlockHash ComputeRoot(string modelId, string cacheSalt, string loraAdapterId)
    {
        var message = new byte[1 + EncodedLength(modelId) + EncodedLength(cacheSalt) + EncodedLength(loraAdapterId)];
        message[0] = SeedTag;
        var at = 1;
        at += WriteString(message.AsSpan(at), modelId);
        at += WriteString(message.AsSpan(at), cacheSalt);
        WriteString(message.AsSpan(at), loraAdapterId);
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(message, digest);
        return BlockHash.FromBytes(digest);
    }

    private static int EncodedLength(string value) => sizeof(uint) + StrictUtf8.GetByteCount(value);

    // uint32 little-endian byte count, then the UTF-8 bytes: the prefix keeps ("ab", "c") apart from ("a", "bc").
    private static int WriteString(Span<byte> destination, string value)
    {
        var length = StrictUtf8.GetBytes(value, destination[sizeof(uint)..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)length);
        return sizeof(uint) + length;
    }
}
