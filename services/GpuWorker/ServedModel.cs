using LlmPlatform.Models.Demo;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.Tokenizers;
using LlmPlatform.Tokenizers.Chat;
using LlmPlatform.Torch;
using Microsoft.Extensions.Options;

namespace LlmPlatform.GpuWorker;

/// <summary>The model this worker serves: its directory (checked at startup), its public name and its device.</summary>
public sealed class ServedModel
{
    private ServedModel(ModelDirectory directory, string name, TorchDeviceInfo device, HfTokenizer tokenizer)
    {
        Directory = directory;
        Name = name;
        Device = device;
        Tokenizer = tokenizer;
        Chat = new ChatPromptRenderer(tokenizer);
        CreatedAt = DateTimeOffset.UtcNow;
    }

    public ModelDirectory Directory { get; }

    public string Name { get; }

    public TorchDeviceInfo Device { get; }

    /// <summary>The same tokenizer library the Tokenizer service runs, in process: ids are identical by construction.</summary>
    public HfTokenizer Tokenizer { get; }

    public ChatPromptRenderer Chat { get; }

    public DateTimeOffset CreatedAt { get; }

    public static ServedModel Load(IOptions<WorkerOptions> options, ILogger<ServedModel> logger)
    {
        var settings = options.Value;
        var path = string.IsNullOrWhiteSpace(settings.Model) ? PrepareDemoModel(settings, logger) : settings.Model;
        var directory = ModelDirectory.Open(path);
        var device = TorchRuntime.Initialize(settings.Device, settings.CpuThreads);
        var name = string.IsNullOrWhiteSpace(settings.ServedModelName) ? directory.DefaultServedName : settings.ServedModelName;
        Log.ModelReady(logger, name, directory.Config.Architecture, directory.Path, device.Device, device.Threads);
        return new ServedModel(directory, name, device, HfTokenizer.FromDirectory(directory.Path));
    }

    private static string PrepareDemoModel(WorkerOptions settings, ILogger logger)
    {
        var root = string.IsNullOrWhiteSpace(settings.ModelCacheDirectory) ? ModelCache.DefaultRoot() : settings.ModelCacheDirectory;
        Log.NoModelConfigured(logger, root);
        var lastQuarter = -1;
        return ModelCache.EnsureRandomModel(root, ModelShape.Demo, new SynchronousProgress<ModelWriteProgress>(progress =>
        {
            var quarter = (int)(progress.Fraction * 4);
            if (progress.WeightBytesTotal > 0 && quarter != lastQuarter)
            {
                lastQuarter = quarter;
                Log.PreparingDemoModel(logger, quarter * 25);
            }
        }));
    }
}

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Name} ({Architecture}) from {Path} on {Device}, {Threads} CPU threads")]
    public static partial void ModelReady(ILogger logger, string name, string architecture, string path, string device, int threads);

    [LoggerMessage(Level = LogLevel.Information, Message = "No model configured (--model); using the demo model in {CacheRoot}")]
    public static partial void NoModelConfigured(ILogger logger, string cacheRoot);

    [LoggerMessage(Level = LogLevel.Information, Message = "Preparing the demo model: {Percent}%")]
    public static partial void PreparingDemoModel(ILogger logger, int percent);

    [LoggerMessage(Level = LogLevel.Error, Message = "An engine step failed; its requests ended with the error, the others go on")]
    public static partial void StepFailed(ILogger logger, Exception error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Engine ready: {DType}, {Blocks} KV blocks of {BlockSize} tokens (budget: {BudgetSource}), max_model_len {MaxModelLen}")]
    public static partial void EngineReady(ILogger logger, string dtype, int blocks, int blockSize, int maxModelLen, string budgetSource);
}
