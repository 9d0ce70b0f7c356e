using LlmPlatform.Encoders;
using Microsoft.Extensions.Options;

namespace LlmPlatform.Embeddings;

/// <summary>
/// The encoder this service serves, loaded once at startup: the configured directory, or all-MiniLM-L6-v2 prepared in
/// the model cache when none is configured (as a worker prepares the demo LLM).
/// </summary>
public sealed class ServedEncoder : IEmbeddingModel, IDisposable
{
    private readonly SentenceEncoder encoder;

    private ServedEncoder(SentenceEncoder encoder, string name, string path)
    {
        this.encoder = encoder;
        Name = name;
        Path = path;
        CreatedAt = DateTimeOffset.UtcNow;
    }

    public string Name { get; }

    /// <summary>The model directory.</summary>
    public string Path { get; }

    public DateTimeOffset CreatedAt { get; }

    public int MaxLength => encoder.MaxLength;

    public int Dimensions => encoder.Dimensions;

    public bool Normalizes => encoder.Normalizes;

    public int VocabSize => encoder.VocabSize;

    public string Pooling => encoder.Pooling.ToString();

    public static ServedEncoder Load(IOptions<EmbeddingsOptions> options, ILogger<ServedEncoder> logger)
    {
        var settings = options.Value;
        var path = string.IsNullOrWhiteSpace(settings.Model) ? PrepareDefaultModel(settings, logger) : System.IO.Path.GetFullPath(settings.Model);
        var encoder = SentenceEncoder.Load(path, new SentenceEncoderOptions { Threads = settings.Threads });
        var name = string.IsNullOrWhiteSpace(settings.ServedModelName) ? encoder.Name : settings.ServedModelName;
        Log.ModelReady(logger, name, path, encoder.Dimensions, encoder.MaxLength, encoder.Normalizes);
        return new ServedEncoder(encoder, name, path);
    }

    private static string PrepareDefaultModel(EmbeddingsOptions settings, ILogger logger)
    {
        var root = string.IsNullOrWhiteSpace(settings.ModelCacheDirectory) ? DefaultEmbeddingModel.DefaultRoot() : System.IO.Path.GetFullPath(settings.ModelCacheDirectory);
        Log.NoModelConfigured(logger, DefaultEmbeddingModel.Name, root);
        return DefaultEmbeddingModel.EnsurePrepared(root);
    }

    public int[] Tokenize(string text) => encoder.Tokenize(text);

    public int[] Truncate(int[] ids, int length) => encoder.Truncate(ids, length);

    public float[][] Embed(IReadOnlyList<int[]> inputs) => encoder.Embed(inputs);

    public void Dispose() => encoder.Dispose();
}
