using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LlmPlatform.PrefixHashing;

/// <summary>
/// The prefix block hash of docs/contracts.md: h_i = H(h_{i-1}, extra_i, tokens[iB..iB+B)) over full blocks only.
/// Equal hashes mean equal KV for the block, because the chain covers every earlier token and the seed covers model,
/// salt and adapter.
/// </summary>
public static class PrefixBlockHasher
{
    public const int DefaultBlockSize = 16;

    // Blocks of the default size hash from the stack; larger ones rent.
    private const int StackLimit = 1024;

    /// <summary>The hash of one full block whose parent (the previous block's hash, or the seed's root) is given.</summary>
    public static BlockHash Hash(BlockHash parent, ReadOnlySpan<int> blockTokens, ReadOnlySpan<byte> extra = default)
    {
        var length = 1 + BlockHash.Size + sizeof(uint) + extra.Length + sizeof(uint) + sizeof(int) * blockTokens.Length;
        byte[]? rented = null;
        var message = length <= StackLimit ? stackalloc byte[length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);
        try
        {
            message[0] = PrefixHashSeed.BlockTag;
            parent.WriteTo(message[1..]);
            var at = 1 + BlockHash.Size;
            BinaryPrimitives.WriteUInt32LittleEndian(message[at..], (uint)extra.Length);
            at += sizeof(uint);
            extra.CopyTo(message[at..]);
            at += extra.Length;
            BinaryPrimitives.WriteUInt32LittleEndian(message[at..], (uint)blockTokens.Length);
            at += sizeof(uint);
            foreach (var token in blockTokens)
            {
                BinaryPrimitives.WriteInt32LittleEndian(message[at..], token);
                at += sizeof(int);
            }
            Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(message, digest);
            return BlockHash.FromBytes(digest);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// The hashes of a prompt's full blocks, in order; a partial trailing block has none, since its KV is still
    /// growing and no other prompt could reuse it whole.
    /// </summary>
    public static BlockHash[] HashPrompt(
        PrefixHashSeed seed, ReadOnlySpan<int> tokens, int blockSize = DefaultBlockSize, IReadOnlyList<ImagePlaceholder>? images = null)
    {
        ArgumentNullException.ThrowIfNull(seed);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        var hashes = new BlockHash[tokens.Length / blockSize];
        var parent = seed.Root;
        for (var i = 0; i < hashes.Length; i++)
        {
            var extra = images is null ? [] : BlockExtra(images, i, blockSize);
            parent = hashes[i] = Hash(parent, tokens.Slice(i * blockSize, blockSize), extra);
        }
        return hashes;
    }

    /// <summary>
    /// extra_i for block <paramref name="blockIndex"/>: for each image whose placeholder run overlaps the block, in
    /// order of offset, int32 offset, int32 length, uint32 content-hash length and the content hash (little-endian).
    /// Empty for a block without images.
    /// </summary>
    public static byte[] BlockExtra(IReadOnlyList<ImagePlaceholder> images, int blockIndex, int blockSize)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfNegative(blockIndex);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        var start = blockIndex * blockSize;
        var overlapping = images.Where(image => image.Overlaps(start, blockSize)).OrderBy(image => image.Offset).ToList();
        if (overlapping.Count == 0)
            return [];
        var extra = new byte[overlapping.Sum(image => 3 * sizeof(int) + image.ContentHash.Length)];
        var at = 0;
        foreach (var image in overlapping)
        {
            BinaryPrimitives.WriteInt32LittleEndian(extra.AsSpan(at), image.Offset);
            BinaryPrimitives.WriteInt32LittleEndian(extra.AsSpan(at + 4), image.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(extra.AsSpan(at + 8), (uint)image.ContentHash.Length);
            image.ContentHash.Span.CopyTo(extra.AsSpan(at + 12));
            at += 3 * sizeof(int) + image.ContentHash.Length;
        }
        return extra;
    }
}
