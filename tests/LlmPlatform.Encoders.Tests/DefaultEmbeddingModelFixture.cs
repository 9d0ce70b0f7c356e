using LlmPlatform.Encoders.Onnx;

namespace LlmPlatform.Encoders.Tests;

/// <summary>
/// all-MiniLM-L6-v2 prepared once for the test run, into a temporary cache root (preparing it takes seconds and
/// writes 90 MB), and its ONNX graph as the package ships it, for comparing the export with.
/// </summary>
public sealed class DefaultEmbeddingModelFixture : IDisposable
{
    private readonly TempDirectory root = new();
    private readonly Lazy<ModelProto> onnx = new(() => ModelProto.Parser.ParseFrom(DefaultEmbeddingModel.ReadOnnxModel()));

    public DefaultEmbeddingModelFixture()
    {
        ModelDirectory = DefaultEmbeddingModel.EnsurePrepared(root.Path);
    }

    public string Root => root.Path;

    public string ModelDirectory { get; }

    internal ModelProto Onnx => onnx.Value;

    public void Dispose() => root.Dispose();
}

/// <summary>Test classes in this collection share one prepared model.</summary>
[CollectionDefinition(Name)]
public sealed class DefaultEmbeddingModelCollection : ICollectionFixture<DefaultEmbeddingModelFixture>
{
    public const string Name = "Default embedding model";
}
