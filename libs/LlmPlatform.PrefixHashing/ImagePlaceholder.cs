namespace LlmPlatform.PrefixHashing;

/// <summary>
/// An image's run of placeholder tokens in a prompt. The placeholder ids are the same for every image, so the image
/// itself enters the hash of each block its run overlaps, through that block's extra bytes.
/// </summary>
/// <param name="Offset">Index in the prompt of the run's first placeholder token.</param>
/// <param name="Length">Number of placeholder tokens.</param>
/// <param name="ContentHash">The image's content hash; by convention SHA-256 (32 bytes) of the image file's bytes
/// as received, so that Router and worker derive the same bytes.</param>
public sealed record ImagePlaceholder
{
    public ImagePlaceholder(int offset, int length, ReadOnlyMemory<byte> contentHash)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (contentHash.IsEmpty)
            throw new ArgumentException("An image's content hash is not empty.", nameof(contentHash));
        Offset = offset;
        Length = length;
        ContentHash = contentHash;
    }

    public int Offset { get; }

    public int Length { get; }

    public ReadOnlyMemory<byte> ContentHash { get; }

    /// <summary>Whether the run shares a token with [start, start + count).</summary>
    public bool Overlaps(int start, int count) => Offset < start + count && start < Offset + Length;
}
