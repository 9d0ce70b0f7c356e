namespace LlmPlatform.Tokenizers.Models;

/// <summary>The tokenizer.json model: turns one pre-tokenized word into ids, and owns the base vocabulary.</summary>
public interface ITokenizerModel
{
    /// <summary>Number of ids in the model's vocabulary (added tokens may extend it).</summary>
    int VocabSize { get; }

    void Tokenize(string word, List<int> ids);

    bool TryGetId(string token, out int id);

    string? IdToToken(int id);
}
