namespace LlmPlatform.Embeddings;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Name} from {Path}: {Dimensions} dimensions, inputs up to {MaxLength} tokens, normalized {Normalizes}")]
    public static partial void ModelReady(ILogger logger, string name, string path, int dimensions, int maxLength, bool normalizes);

    [LoggerMessage(Level = LogLevel.Information, Message = "No embedding model configured (--model); using {Model} from the model cache in {CacheRoot}")]
    public static partial void NoModelConfigured(ILogger logger, string model, string cacheRoot);

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of {Inputs} inputs failed; its requests get a server error")]
    public static partial void BatchFailed(ILogger logger, int inputs, Exception error);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The batcher's loop failed; this service embeds no more inputs")]
    public static partial void LoopFailed(ILogger logger, Exception error);
}
