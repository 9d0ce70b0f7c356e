namespace LlmPlatform.Router;

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unavailable; routing from the last known fleet: {Reason}")]
    public static partial void RegistryUnavailable(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis is back; the fleet view is current again")]
    public static partial void RegistryBack(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Worker {WorkerId} failed before answering ({Error}); trying another")]
    public static partial void WorkerFailed(ILogger logger, string workerId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Tokenizer service is unavailable; routing by load: {Reason}")]
    public static partial void TokenizerUnavailable(ILogger logger, string reason);
}
