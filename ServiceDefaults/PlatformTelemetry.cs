namespace LlmPlatform.ServiceDefaults;

/// <summary>
/// The names of every meter and activity source the platform's own code creates. ServiceDefaults subscribes to all
/// of them, so a service only has to create its Meter or ActivitySource under one of these names.
/// </summary>
public static class PlatformTelemetry
{
    public const string Router = "LlmPlatform.Router";
    public const string Engine = "LlmPlatform.Engine";
    public const string Worker = "LlmPlatform.GpuWorker";
    public const string Tokenizer = "LlmPlatform.Tokenizer";
    public const string Embeddings = "LlmPlatform.Embeddings";
    public const string Multimodal = "LlmPlatform.Multimodal";

    public static IReadOnlyList<string> All { get; } = [Router, Engine, Worker, Tokenizer, Embeddings, Multimodal];
}
