namespace LlmPlatform.Embeddings.Tests;

/// <summary>
/// An encoder without a model: a word is one token ([CLS] words [SEP]), and an input's vector is derived from its ids,
/// so a test can tell which input a vector belongs to. It records every batch it is given and can be held inside
/// Embed (to let requests pile up behind a running batch) or made to fail.
/// </summary>
internal sealed class FakeEncoder : IEmbeddingModel
{
    public const int Cls = 101;
    public const int Sep = 102;

    private readonly Lock gate = new();
    private readonly List<int[][]> batches = [];
    private readonly ManualResetEventSlim released = new(true);
    private readonly SemaphoreSlim entered = new(0);

    public string Name { get; init; } = "fake-encoder";

    public int MaxLength { get; init; } = 16;

    public int Dimensions { get; init; } = 4;

    public bool Normalizes { get; init; } = true;

    public int VocabSize { get; init; } = 1000;

    /// <summary>Makes the next Embed calls throw this.</summary>
    public Exception? Failure { get; set; }

    /// <summary>The batches run so far, each as its inputs' ids.</summary>
    public IReadOnlyList<int[][]> Batches
    {
        get
        {
            lock (gate)
            {
                return [.. batches];
            }
        }
    }

    public int[] Tokenize(string text) => [Cls, .. text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(word => 200 + word.Length), Sep];

    public int[] Truncate(int[] ids, int length) => ids.Length <= length ? ids : ids[^1] == Sep ? [.. ids[..(length - 1)], Sep] : ids[..length];

    /// <summary>Blocks every Embed call until <see cref="Release"/>.</summary>
    public void Hold() => released.Reset();

    public void Release() => released.Set();

    /// <summary>Waits until a batch has entered Embed (and is held there, if held).</summary>
    public Task<bool> BatchEnteredAsync() => entered.WaitAsync(TimeSpan.FromSeconds(10));

    public float[][] Embed(IReadOnlyList<int[]> inputs)
    {
        lock (gate)
        {
            batches.Add([.. inputs]);
        }

        entered.Release();
        released.Wait(TimeSpan.FromSeconds(10));
        if (Failure is { } failure)
        {
            throw failure;
        }

        return [.. inputs.Select(VectorOf)];
    }

    /// <summary>The vector the fake gives an input: its length, its first and last ids, and their sum.</summary>
    public float[] VectorOf(int[] ids) => [ids.Length, ids[0], ids[^1], ids.Sum()];
}
