using System.Text.Json.Serialization;

using LlmPlatform.GpuWorker.Api;

namespace LlmPlatform.GpuWorker;

/// <summary><c>GET /v1/models</c> in OpenAI's list shape, with vLLM's extra fields (root, parent, max_model_len).</summary>
public sealed record ModelList(IReadOnlyList<ModelCard> Data)
{
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}

public sealed record ModelCard(string Id, long Created, string OwnedBy, string Root, string? Parent, int MaxModelLen)
{
    [JsonPropertyOrder(-1)]
    public string Object => "model";
}

/// <summary>Worker version and what it runs on, for <c>GET /version</c> (vLLM answers the same path).</summary>
public sealed record VersionInfo(string Version, string Device);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(VersionInfo))]
[JsonSerializable(typeof(OpenAiError))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(TokenizeResponse))]
[JsonSerializable(typeof(DetokenizeRequest))]
[JsonSerializable(typeof(DetokenizeResponse))]
internal sealed partial class WorkerJsonContext : JsonSerializerContext;

internal static class OpenAiEndpoints
{
    public static IEndpointRouteBuilder MapOpenAiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", (ServedModel model, EngineHost engine) => TypedResults.Ok(new ModelList(
        [
            new ModelCard(model.Name, model.CreatedAt.ToUnixTimeSeconds(), "llmplatform", model.Directory.Path, Parent: null, engine.MaxModelLen),
        ])));
        app.MapPost("/v1/completions", CompletionEndpoint.HandleAsync);
        app.MapPost("/v1/chat/completions", ChatCompletionEndpoint.HandleAsync);
        app.MapGet("/version", (ServedModel model) => TypedResults.Ok(new VersionInfo(
            typeof(OpenAiEndpoints).Assembly.GetName().Version?.ToString() ?? "0.0.0", model.Device.Device)));
        return app;
    }
}
