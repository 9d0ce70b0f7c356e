namespace LlmPlatform.Models.HuggingFace;

/// <summary>
/// A model directory in Hugging Face layout, checked for the files a server needs before anything is loaded, so a
/// wrong path fails at startup with the missing file named.
/// </summary>
public sealed class ModelDirectory
{
    public const string ConfigFile = "config.json";
    public const string SingleWeightsFile = "model.safetensors";
    public const string ShardedWeightsIndex = "model.safetensors.index.json";
    public const string TokenizerFile = "tokenizer.json";
    public const string TokenizerConfigFile = "tokenizer_config.json";
    public const string GenerationConfigFile = "generation_config.json";

    private ModelDirectory(string path, ModelConfig config)
    {
        Path = path;
        Config = config;
    }

    public string Path { get; }

    public ModelConfig Config { get; }

    /// <summary>The name a model is served under when none is configured: its directory name, as vLLM uses the path.</summary>
    public string DefaultServedName => System.IO.Path.GetFileName(Path.TrimEnd(System.IO.Path.DirectorySeparatorChar));

    public static ModelDirectory Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(fullPath))
        {
            throw new DirectoryNotFoundException($"Model directory '{fullPath}' does not exist.");
        }

        RequireFile(fullPath, ConfigFile);
        RequireFile(fullPath, TokenizerFile);
        if (!File.Exists(System.IO.Path.Combine(fullPath, SingleWeightsFile)) && !File.Exists(System.IO.Path.Combine(fullPath, ShardedWeightsIndex)))
        {
            throw new FileNotFoundException($"Model directory '{fullPath}' has neither {SingleWeightsFile} nor {ShardedWeightsIndex}.");
        }

        return new ModelDirectory(fullPath, ModelConfig.Load(System.IO.Path.Combine(fullPath, ConfigFile)));
    }

    private static void RequireFile(string directory, string file)
    {
        if (!File.Exists(System.IO.Path.Combine(directory, file)))
        {
            throw new FileNotFoundException($"Model directory '{directory}' has no {file}.", System.IO.Path.Combine(directory, file));
        }
    }
}
