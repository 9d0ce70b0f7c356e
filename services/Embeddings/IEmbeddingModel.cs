namespace LlmPlatform.Embeddings;

/// <summary>
/// What the endpoint and the batcher need of an encoder: its limits, its tokenizer and one batched forward pass. The
/// served <see cref="ServedEncoder"/> in production; a fake in the unit tests.
/// </summary>
public interface IEmbeddingModel
{
    /// <summary>The name clients put in <c>model</c>.</summary>
    string Name { get; }

    /// <summary>The most tokens one input may have, special tokens included.</summary>
    int MaxLength { get; }

    /// <summary>Length of an embedding.</summary>
    int Dimensions { get; }

    /// <summary>Whether embeddings come out L2-normalized.</summary>
    bool Normalizes { get; }

    /// <summary>Token ids below this are valid inputs.</summary>
    int VocabSize { get; }

    /// <summary>The ids of a text with the model's special tokens, untruncated. Called from request threads.</summary>
    int[] Tokenize(string text);

    /// <summary>At most <paramref name="length"/> of <paramref name="ids"/>, cut as the model's library cuts.</summary>
    int[] Truncate(int[] ids, int length);

    /// <summary>One embedding per input. Called only from the batcher's thread.</summary>
    float[][] Embed(IReadOnlyList<int[]> inputs);
}
