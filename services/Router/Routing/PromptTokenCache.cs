using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace LlmPlatform.Router.Routing;

/// <summary>
/// Token ids of prompts this Router has had tokenized, by content, bounded in tokens with least-recently-used
/// eviction (MemoryCache's size limit). Keys are SHA-256 chains, seeded with the model and the cache salt so that one
/// tenant's entries never answer another's request (routing time would otherwise tell a tenant what others sent).
/// A chat is keyed message by message, so a conversation's next turn finds the previous turn's prompt under the
/// key of its own leading messages.
/// </summary>
public sealed class PromptTokenCache(IOptions<RouterOptions> options) : IDisposable
{
    private readonly MemoryCache cache = new(new MemoryCacheOptions { SizeLimit = options.Value.PromptCacheTokens });

    public IReadOnlyList<int>? Get(PromptCacheKey key) => cache.TryGetValue(key, out IReadOnlyList<int>? ids) ? ids : null;

    public void Set(PromptCacheKey key, IReadOnlyList<int> ids) =>
        cache.Set(key, ids, new MemoryCacheEntryOptions { Size = Math.Max(1, ids.Count) });

    public void Dispose() => cache.Dispose();
}

/// <summary>A SHA-256 digest naming one prompt, or one chat's leading messages.</summary>
public readonly record struct PromptCacheKey(UInt128 High, UInt128 Low)
{
    /// <summary>The key of <paramref name="part"/> after <paramref name="parent"/> (or after the seed, for the first part).</summary>
    public static PromptCacheKey Chain(PromptCacheKey parent, string part)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> digest = stackalloc byte[32];
        parent.WriteTo(digest);
        hash.AppendData(digest);
        hash.AppendData(Encoding.UTF8.GetBytes(part));
        hash.GetHashAndReset(digest);
        return new PromptCacheKey(System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(digest), System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(digest[16..]));
    }

    /// <summary>The root of a chain: what the ids depend on besides the text (model, kind of prompt), and the tenant's salt.</summary>
    public static PromptCacheKey Seed(string model, string salt, string kind) => Chain(default, $"{model}\n{salt}\n{kind}");

    private void WriteTo(Span<byte> destination)
    {
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(destination, High);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(destination[16..], Low);
    }
}
