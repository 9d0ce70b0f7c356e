using System.Collections.Concurrent;
using System.Text;

namespace LlmPlatform.Tokenizers.Models;

/// <summary>
/// Byte-pair encoding as Hugging Face runs it: start from characters (or, with byte fallback, from
/// &lt;0xNN&gt; byte tokens for characters outside the vocabulary), then repeatedly apply the lowest-ranked merge,
/// leftmost first. Results are cached per word, since natural text repeats words constantly.
/// </summary>
public sealed class BpeModel : ITokenizerModel
{
    private const int CacheCapacity = 100_000;

    private readonly Vocabulary vocabulary;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> merges;
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    private readonly int? unknownId;
    private readonly bool fuseUnknown;
    private readonly bool byteFallback;
    private readonly bool ignoreMerges;
    private readonly string prefix;
    private readonly string suffix;
    private readonly int[] byteIds;

    public BpeModel(Vocabulary vocabulary, IReadOnlyList<(string Left, string Right)> mergeList, string? unknownToken, bool fuseUnknown, bool byteFallback, bool ignoreMerges, string? continuingSubwordPrefix, string? endOfWordSuffix)
    {
        this.vocabulary = vocabulary;
        this.fuseUnknown = fuseUnknown;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        prefix = continuingSubwordPrefix ?? "";
        suffix = endOfWordSuffix ?? "";
        unknownId = unknownToken is not null && vocabulary.TryGetId(unknownToken, out var unk) ? unk : null;
        merges = new Dictionary<(int, int), (int, int)>(mergeList.Count);
        for (var rank = 0; rank < mergeList.Count; rank++)
        {
            var (left, right) = mergeList[rank];
            if (!vocabulary.TryGetId(left, out var leftId) || !vocabulary.TryGetId(right, out var rightId))
            {
                throw new InvalidDataException($"Merge '{left} {right}' names a token that is not in the vocabulary.");
            }

            var merged = left + (prefix.Length > 0 && right.StartsWith(prefix, StringComparison.Ordinal) ? right[prefix.Length..] : right);
            if (!vocabulary.TryGetId(merged, out var mergedId))
            {
                throw new InvalidDataException($"Merge '{left} {right}' makes '{merged}', which is not in the vocabulary.");
            }

            merges.TryAdd((leftId, rightId), (rank, mergedId));
        }

        byteIds = new int[256];
        for (var b = 0; b < 256; b++)
        {
            byteIds[b] = vocabulary.TryGetId($"<0x{b:X2}>", out var id) ? id : -1;
        }
    }

    public int VocabSize => vocabulary.Size;

    public bool TryGetId(string token, out int id) => vocabulary.TryGetId(token, out id);

    public string? IdToToken(int id) => vocabulary[id];

    public void Tokenize(string word, List<int> ids)
    {
        if (word.Length == 0)
        {
            return;
        }

        if (ignoreMerges && vocabulary.TryGetId(word, out var whole))
        {
            ids.Add(whole);
            return;
        }

        if (!cache.TryGetValue(word, out var cached))
        {
            cached = Merge(word);
            if (cache.Count >= CacheCapacity)
            {
                cache.Clear();
            }

            cache.TryAdd(word, cached);
        }

        ids.AddRange(cached);
    }

    private int[] Merge(string word)
    {
        var symbols = InitialSymbols(word);
        var count = symbols.Count;
        if (count > 1)
        {
            ApplyMerges(symbols);
        }

        var result = new List<int>(count);
        for (var i = 0; i != -1 && symbols.Count > 0; i = symbols[i].Next)
        {
            result.Add(symbols[i].Id);
        }

        return [.. result];
    }

    /// <summary>One symbol per character (Unicode scalar), the word's prefix/suffix conventions applied.</summary>
    private List<Symbol> InitialSymbols(string word)
    {
        var symbols = new List<Symbol>(word.Length);
        var runes = word.EnumerateRunes().ToArray();
        Span<byte> utf8 = stackalloc byte[4];
        var pendingUnknown = false;
        for (var r = 0; r < runes.Length; r++)
        {
            var text = runes[r].ToString();
            if (r > 0)
            {
                text = prefix + text;
            }

            if (r == runes.Length - 1)
            {
                text += suffix;
            }

            if (vocabulary.TryGetId(text, out var id))
            {
                Add(id);
                pendingUnknown = false;
                continue;
            }

            if (byteFallback && TryAddBytes(runes[r], utf8))
            {
                pendingUnknown = false;
                continue;
            }

            if (unknownId is not { } unk)
            {
                // As Hugging Face: a character with no token, no byte tokens and no unknown token is dropped.
                continue;
            }

            if (!(fuseUnknown && pendingUnknown))
            {
                Add(unk);
            }

            pendingUnknown = true;
        }

        for (var i = 0; i < symbols.Count; i++)
        {
            symbols[i] = symbols[i] with { Previous = i - 1, Next = i + 1 < symbols.Count ? i + 1 : -1 };
        }

        return symbols;

        void Add(int id) => symbols.Add(new Symbol(id, -1, -1));

        bool TryAddBytes(Rune rune, Span<byte> buffer)
        {
            var length = rune.EncodeToUtf8(buffer);
            for (var b = 0; b < length; b++)
            {
                if (byteIds[buffer[b]] < 0)
                {
                    return false;
                }
            }

            for (var b = 0; b < length; b++)
            {
                Add(byteIds[buffer[b]]);
            }

            return true;
        }
    }

    /// <summary>Hugging Face's merge loop: a queue ordered by (rank, position); stale entries are skipped when popped.</summary>
    private void ApplyMerges(List<Symbol> symbols)
    {
        var queue = new PriorityQueue<(int Position, int Merged), (int Rank, int Position)>();
        for (var i = 0; i + 1 < symbols.Count; i++)
        {
            Enqueue(i, i + 1);
        }

        while (queue.TryDequeue(out var top, out _))
        {
            var left = symbols[top.Position];
            if (left.Id < 0 || left.Next < 0)
            {
                continue;
            }

            var right = symbols[left.Next];
            if (!merges.TryGetValue((left.Id, right.Id), out var merge) || merge.Merged != top.Merged)
            {
                continue;
            }

            symbols[top.Position] = left with { Id = merge.Merged, Next = right.Next };
            symbols[left.Next] = right with { Id = -1 };
            if (right.Next >= 0)
            {
                symbols[right.Next] = symbols[right.Next] with { Previous = top.Position };
                Enqueue(top.Position, right.Next);
            }

            if (left.Previous >= 0)
            {
                Enqueue(left.Previous, top.Position);
            }
        }

        void Enqueue(int leftIndex, int rightIndex)
        {
            if (merges.TryGetValue((symbols[leftIndex].Id, symbols[rightIndex].Id), out var merge))
            {
                queue.Enqueue((leftIndex, merge.Merged), (merge.Rank, leftIndex));
            }
        }
    }

    /// <summary>A symbol of the word being merged, in a doubly linked list over the list's indexes; Id -1 once merged away.</summary>
    private readonly record struct Symbol(int Id, int Previous, int Next);
}
