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

    /// <summary>SentencePiece's mark for "a word starts here" (a space).</summary>
    private const char WordMark = '\u2581';

    /// <summary>Longer words are not cached (Hugging Face's limit): a model without a pre-tokenizer sees whole texts as words.</summary>
    private const int MaxCachedWordLength = 256;

    private readonly Vocabulary vocabulary;
    private readonly Dictionary<long, (int Rank, int Merged)> merges;
    private readonly ConcurrentDictionary<string, int[]> cache = new(StringComparer.Ordinal);
    private readonly int? unknownId;
    private readonly bool fuseUnknown;
    private readonly bool byteFallback;
    private readonly bool ignoreMerges;
    private readonly string prefix;
    private readonly string suffix;
    private readonly int[] byteIds;
    private readonly bool splitsAtWordMarks;

    public BpeModel(Vocabulary vocabulary, IReadOnlyList<(string Left, string Right)> mergeList, string? unknownToken, bool fuseUnknown, bool byteFallback, bool ignoreMerges, string? continuingSubwordPrefix, string? endOfWordSuffix)
    {
        this.vocabulary = vocabulary;
        this.fuseUnknown = fuseUnknown;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        prefix = continuingSubwordPrefix ?? "";
        suffix = endOfWordSuffix ?? "";
        unknownId = unknownToken is not null && vocabulary.TryGetId(unknownToken, out var unk) ? unk : null;
        merges = new Dictionary<long, (int, int)>(mergeList.Count);
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

            // A pair listed twice keeps its last rank, as Hugging Face's map does (Mistral's merges list 47 pairs twice).
            merges[Key(leftId, rightId)] = (rank, mergedId);
        }

        splitsAtWordMarks = IsSafeToSplitAtWordMarks(vocabulary);
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

        if (splitsAtWordMarks && word.Length > 1)
        {
            var start = 0;
            for (var i = 1; i < word.Length; i++)
            {
                if (word[i] == WordMark && word[i - 1] != WordMark)
                {
                    TokenizeCached(word[start..i], ids);
                    start = i;
                }
            }

            TokenizeCached(start == 0 ? word : word[start..], ids);
            return;
        }

        TokenizeCached(word, ids);
    }

    private void TokenizeCached(string word, List<int> ids)
    {
        if (word.Length >= MaxCachedWordLength)
        {
            ids.AddRange(Merge(word));
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
        var ids = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(symbols).ToArray();
        if (count < 2)
        {
            return ids;
        }

        var next = new int[count];
        var previous = new int[count];
        for (var i = 0; i < count; i++)
        {
            previous[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }

        ApplyMerges(ids, previous, next);
        var result = new List<int>(count);
        for (var i = 0; i != -1; i = next[i])
        {
            result.Add(ids[i]);
        }

        return [.. result];
    }

    /// <summary>One symbol per character (Unicode scalar), the word's prefix/suffix conventions applied.</summary>
    private List<int> InitialSymbols(string word)
    {
        var symbols = new List<int>(word.Length);
        Span<byte> utf8 = stackalloc byte[4];
        Span<char> buffer = stackalloc char[prefix.Length + suffix.Length + 2];
        var pendingUnknown = false;
        for (var position = 0; position < word.Length;)
        {
            Rune.DecodeFromUtf16(word.AsSpan(position), out var rune, out var consumed);
            var isLast = position + consumed == word.Length;
            var length = 0;
            if (position > 0)
            {
                prefix.AsSpan().CopyTo(buffer);
                length = prefix.Length;
            }

            length += rune.EncodeToUtf16(buffer[length..]);
            if (isLast)
            {
                suffix.AsSpan().CopyTo(buffer[length..]);
                length += suffix.Length;
            }

            position += consumed;
            if (vocabulary.TryGetId(buffer[..length], out var id))
            {
                symbols.Add(id);
                pendingUnknown = false;
                continue;
            }

            if (byteFallback && TryAddBytes(rune, utf8))
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
                symbols.Add(unk);
            }

            pendingUnknown = true;
        }

        return symbols;

        bool TryAddBytes(Rune rune, Span<byte> bytes)
        {
            var length = rune.EncodeToUtf8(bytes);
            for (var b = 0; b < length; b++)
            {
                if (byteIds[bytes[b]] < 0)
                {
                    return false;
                }
            }

            for (var b = 0; b < length; b++)
            {
                symbols.Add(byteIds[bytes[b]]);
            }

            return true;
        }
    }

    /// <summary>
    /// Hugging Face's merge loop over a linked list of symbols: a queue ordered by (rank, position), lowest first.
    /// An entry is stale when either symbol has changed since it was queued; each pair has one rank, so comparing
    /// the pair's rank now with the queued rank detects that.
    /// </summary>
    private void ApplyMerges(int[] ids, int[] previous, int[] next)
    {
        var queue = new PriorityQueue<int, long>();
        for (var i = 0; next[i] != -1; i = next[i])
        {
            Enqueue(i);
        }

        while (queue.TryDequeue(out var position, out var priority))
        {
            var right = next[position];
            if (ids[position] < 0 || right < 0 || !merges.TryGetValue(Key(ids[position], ids[right]), out var merge) || merge.Rank != (int)(priority >> 32))
            {
                continue;
            }

            ids[position] = merge.Merged;
            ids[right] = -1;
            next[position] = next[right];
            if (next[right] >= 0)
            {
                previous[next[right]] = position;
                Enqueue(position);
            }

            if (previous[position] >= 0)
            {
                Enqueue(previous[position]);
            }
        }

        void Enqueue(int left)
        {
            if (merges.TryGetValue(Key(ids[left], ids[next[left]]), out var merge))
            {
                queue.Enqueue(left, ((long)merge.Rank << 32) | (uint)left);
            }
        }
    }

    /// <summary>
    /// SentencePiece models have no pre-tokenizer, so whole texts arrive as one "word". When no token of the
    /// vocabulary holds "▁" right after another character, no merge can join across the start of a "▁word", and
    /// cutting there first gives the same ids while letting each word hit the cache.
    /// </summary>
    private static bool IsSafeToSplitAtWordMarks(Vocabulary vocabulary)
    {
        var hasWordMarks = false;
        for (var id = 0; id < vocabulary.Size; id++)
        {
            var token = vocabulary[id];
            if (token is null)
            {
                continue;
            }

            var mark = token.IndexOf(WordMark, 1);
            hasWordMarks |= token.StartsWith(WordMark);
            while (mark > 0)
            {
                if (token[mark - 1] != WordMark)
                {
                    return false;
                }

                mark = mark + 1 < token.Length ? token.IndexOf(WordMark, mark + 1) : -1;
            }
        }

        return hasWordMarks;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;
}
