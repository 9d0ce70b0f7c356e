namespace LlmPlatform.Tokenizers.PreTokenizers;

/// <summary>tokenizer.json's Split: cut at a string or regex pattern (Llama 3's and Qwen2's word regexes).</summary>
public sealed class SplitPreTokenizer(PatternMatcher pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    public void Split(Piece piece, List<Piece> output) => PieceSplitter.Split(piece, pattern, behavior, invert, output);
}
