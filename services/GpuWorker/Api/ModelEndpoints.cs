using System.Text.Json.Serialization;

using LlmPlatform.GpuWorker.Api;
using LlmPlatform.OpenAi;

namespace LlmPlatform.GpuWorker;

/// <summary>Worker version and what it runs on, for <c>GET /version</c> (vLLM answers the same path).</summary>
public sealed record VersionInfo(string Version, string Device);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(VersionInfo))]
[JsonSerializable(typeof(TokenizeRequest))]
[JsonSerializable(typeof(TokenizeResponse))]
[JsonSerializable(typeof(DetokenizeRequest))]
[JsonSerializable(typeof(DetokenizeResponse))]
internal sealed partial class WorkerJsonContext : JsonSerializerContext;

internal static class OpenAiEndpoints
{
    public static IEndpointRouteBuilder MapOpenAiEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/models", (ServedModel model, EngineHost engine) => TypedResults.Json(new ModelList(
        [
            new ModelCard(model.Name, model.CreatedAt.ToUnixTimeSeconds(), "llmplatform", model.Directory.Path, Parent: null, engine.MaxModelLen),
        ]), OpenAiJsonContext.Default.ModelList));
        app.MapPost("/v1/completions", CompletionEndpoint.HandleAsync);
        app.MapPost("/v1/chat/completions", ChatCompletionEndpoint.HandleAsync);
        app.MapGet("/version", (ServedModel model) => TypedResults.Ok(new VersionInfo(
            typeof(OpenAiEndpoints).Assembly.GetName().Version?.ToString() ?? "0.0.0", model.Device.Device)));
        return app;
    }
}
