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
        if (word.EnumerateRunes().Count() > maxInputCharsPerWord)
        {
            ids.Add(unknownId);
            return;
        }

        var pieces = new List<int>();
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

                var candidate = start > 0 ? continuingSubwordPrefix + word[start..end] : word[start..end];
                if (vocabulary.TryGetId(candidate, out found))
                {
                    break;
                }

                found = -1;
            }

            if (found < 0)
            {
                ids.Add(unknownId);
                return;
            }

            pieces.Add(found);
            start = end;
        }

        ids.AddRange(pieces);
    }
}
