using LlmPlatform.Encoders.Bert;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.Tokenizers;
using LlmPlatform.Torch;
using static TorchSharp.torch;

namespace LlmPlatform.Encoders;

/// <summary>
/// A sentence-transformers model from a Hugging Face directory: a BERT-family encoder (config.json, safetensors),
/// its WordPiece tokenizer (tokenizer.json) and its pooling (modules.json, 1_Pooling/config.json, Normalize).
/// <see cref="Embed"/> is for one caller at a time (the service batches requests onto one thread);
/// <see cref="Tokenize"/> and <see cref="Truncate"/> may run on any thread alongside it (the tokenizer is immutable).
/// </summary>
public sealed class SentenceEncoder : IDisposable
{
    /// <summary>
    /// Small batches of short inputs run libtorch's own ops (attention, LayerNorm, GELU) on one thread: they are too
    /// small to share, and waking OpenMP's sleeping threads for each cost more than it saved (batch 1 of 32 tokens:
    /// 0.65x of ONNX Runtime's throughput with two threads, 0.9-1.0x with one). The projections keep every core through
    /// PackedLinear's own team. Long inputs, whose attention grows with the square of their length, and large batches
    /// share libtorch's ops too. docs/benchmarks.md, "Embeddings".
    /// </summary>
    private const int ParallelTorchLength = 128;

    /// <inheritdoc cref="ParallelTorchLength"/>
    private const int ParallelTorchTokens = 4096;

    private readonly BertEncoder encoder;
    private readonly HfTokenizer tokenizer;
    private readonly SentencePooling pooling;
    private readonly int? separator;
    private readonly int threads;
    private int torchThreads;

    private SentenceEncoder(string name, BertEncoder encoder, HfTokenizer tokenizer, SentencePooling pooling, int threads)
    {
        Name = name;
        this.threads = threads;
        torchThreads = threads;
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
        separator = tokenizer.TokenToId("[SEP]");
        var positions = encoder.Config.MaxPositionEmbeddings;
        MaxLength = Math.Min(pooling.MaxSeqLength ?? positions, positions);
    }

    /// <summary>Opens <paramref name="directory"/>; a missing file or an unsupported architecture is an error naming it.</summary>
    public static SentenceEncoder Load(string directory, SentenceEncoderOptions? options = null)
    {
        var path = Path.GetFullPath(directory);
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"Encoder model directory '{path}' does not exist.");
        }

        foreach (var file in new[] { ModelDirectory.ConfigFile, ModelDirectory.TokenizerFile })
        {
            if (!File.Exists(Path.Combine(path, file)))
            {
                throw new FileNotFoundException($"Encoder model directory '{path}' has no {file}.", Path.Combine(path, file));
            }
        }

        TorchRuntime.Initialize("cpu");
        var threads = options?.Threads is > 0 and var configured ? configured : get_num_threads();
        set_num_threads(threads);
        var config = BertConfig.Load(Path.Combine(path, ModelDirectory.ConfigFile));
        return new SentenceEncoder(Path.GetFileName(path.TrimEnd(Path.DirectorySeparatorChar)), new BertEncoder(path, config, threads), HfTokenizer.FromDirectory(path),
            SentencePooling.Read(path), threads);
    }

    /// <summary>The directory's name, the model id clients use by default.</summary>
    public string Name { get; }

    /// <summary>The most tokens an input may have, [CLS] and [SEP] included (sentence_bert_config.json's max_seq_length, else the model's positions).</summary>
    public int MaxLength { get; }

    /// <summary>Length of an embedding.</summary>
    public int Dimensions => encoder.Config.HiddenSize;

    /// <summary>Token ids below this are valid inputs.</summary>
    public int VocabSize => encoder.Config.VocabSize;

    /// <summary>Whether embeddings come out L2-normalized (a Normalize module in modules.json).</summary>
    public bool Normalizes => pooling.Normalize;

    public PoolingMode Pooling => pooling.Mode;

    /// <summary>The ids of <paramref name="text"/> with the model's special tokens ([CLS] ... [SEP]), untruncated.</summary>
    public int[] Tokenize(string text) => tokenizer.Encode(text, addSpecialTokens: true);

    /// <summary>
    /// At most <paramref name="length"/> of <paramref name="ids"/>, cut as sentence-transformers cuts: the first ones
    /// are kept, and a final [SEP] stays the final id.
    /// </summary>
    public int[] Truncate(int[] ids, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (ids.Length <= length)
        {
            return ids;
        }

        return separator is { } sep && ids[^1] == sep && length > 1 ? [.. ids.AsSpan(0, length - 1), sep] : ids[..length];
    }

    /// <summary>One embedding per input (each 1 to <see cref="MaxLength"/> ids below <see cref="VocabSize"/>), pooled and normalized as configured.</summary>
    public float[][] Embed(IReadOnlyList<int[]> inputs)
    {
        if (inputs.Count == 0)
        {
            return [];
        }

        foreach (var input in inputs)
        {
            if (input.Length == 0 || input.Length > MaxLength)
            {
                throw new ArgumentException($"An input has {input.Length} tokens; the model takes 1 to {MaxLength}.", nameof(inputs));
            }

            if (input.Any(id => id < 0 || id >= VocabSize))
            {
                throw new ArgumentException($"An input holds a token id outside the vocabulary [0, {VocabSize}).", nameof(inputs));
            }
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (batch, length) = (inputs.Count, inputs.Max(i => i.Length));
        var ids = new long[batch * length];
        var real = new bool[batch * length];
        for (var row = 0; row < batch; row++)
        {
            for (var column = 0; column < inputs[row].Length; column++)
            {
                ids[row * length + column] = inputs[row][column];
                real[row * length + column] = true;
            }
        }

        UseTorchThreads(length >= ParallelTorchLength || batch * length >= ParallelTorchTokens ? threads : 1);
        var padded = inputs.Any(i => i.Length < length);
        var mask = tensor(real, [batch, length]);
        var hidden = encoder.Forward(tensor(ids, [batch, length]), padded ? mask.view(batch, 1, 1, length) : null);
        var pooled = Pool(hidden, mask, inputs);
        if (pooling.Normalize)
        {
            pooled = nn.functional.normalize(pooled, p: 2, dim: 1);
        }

        var values = pooled.contiguous().data<float>().ToArray();
        return [.. Enumerable.Range(0, batch).Select(row => values.AsSpan(row * Dimensions, Dimensions).ToArray())];
    }

    /// <summary>libtorch's intra-op thread count is process-wide; the encoder's thread is the only caller that sets it.</summary>
    private void UseTorchThreads(int count)
    {
        if (count != torchThreads)
        {
            set_num_threads(count);
            torchThreads = count;
        }
    }

    private Tensor Pool(Tensor hidden, Tensor mask, IReadOnlyList<int[]> inputs) => pooling.Mode switch
    {
        PoolingMode.Cls => hidden.select(1, 0),
        PoolingMode.LastToken => hidden.gather(1, tensor(inputs.Select(i => (long)i.Length - 1).ToArray()).view(-1, 1, 1).expand(-1, 1, Dimensions)).squeeze(1),
        // Padding excluded: sentence-transformers' mean over the attention mask.
        _ => (hidden * mask.unsqueeze(-1).to(ScalarType.Float32)).sum(1).div_(tensor(inputs.Select(i => (float)i.Length).ToArray()).unsqueeze(1)),
    };

    public void Dispose() => encoder.Dispose();
}

/// <summary>How an encoder runs.</summary>
public sealed record SentenceEncoderOptions
{
    /// <summary>Threads for the projections and for libtorch's ops on large batches; 0: libtorch's default (the cores).</summary>
    public int Threads { get; init; }
}
