namespace LlmPlatform.Tokenizers.Models;

/// <summary>BERT's WordPiece: greedy longest match from the left, continuation pieces prefixed "##"; a word with any unmatched part is one unknown token.</summary>
public sealed class WordPieceModel(Vocabulary vocabulary, string unknownToken, string continuingSubwordPrefix, int maxInputCharsPerWord) : ITokenizerModel
{
    private readonly int unknownId = vocabulary.TryGetId(unknownToken, out var id)
        ? id
        : throw new InvalidDataException($"WordPiece unknown token '{unknownToken}' is not in the vocabulary.");

    public int VocabSize => vocabulary.Size;

    public bool TryGetId(string token, out int id) => vocabulary.TryGetId(token, out id);

    public string? IdToToken(int id) => vocabulary[id];

    public void Tokenize(string word, List<int> ids)
    {
        if (word.Length > maxInputCharsPerWord && word.EnumerateRunes().Count() > maxInputCharsPerWord)
        {
            ids.Add(unknownId);
            return;
        }

        var first = ids.Count;
        Span<char> candidate = stackalloc char[continuingSubwordPrefix.Length + word.Length];
        continuingSubwordPrefix.AsSpan().CopyTo(candidate);
        var start = 0;
        while (start < word.Length)
        {
            var found = -1;
            var end = word.Length;
            for (; end > start; end--)
            {
                if (end < word.Length && char.IsLowSurrogate(word[end]))
                {
                    continue;
                }

                // Continuation pieces are looked up with their "##" prefix, written in front of the slice in place.
                var piece = word.AsSpan(start, end - start);
                scoped ReadOnlySpan<char> key = piece;
                if (start > 0)
                {
                    piece.CopyTo(candidate[continuingSubwordPrefix.Length..]);
                    key = candidate[..(continuingSubwordPrefix.Length + piece.Length)];
                }

                if (vocabulary.TryGetId(key, out found))
                {
                    break;
                }

                found = -1;
            }

            if (found < 0)
            {
                ids.RemoveRange(first, ids.Count - first);
                ids.Add(unknownId);
                return;
            }

            ids.Add(found);
            start = end;
        }
    }
}
