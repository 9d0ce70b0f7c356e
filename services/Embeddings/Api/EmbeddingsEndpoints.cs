using System.Diagnostics;
using LlmPlatform.Embeddings.Batching;
using LlmPlatform.OpenAi;
using LlmPlatform.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace LlmPlatform.Embeddings.Api;

/// <summary>
/// <c>POST /v1/embeddings</c> and <c>GET /v1/models</c>. A request is read and checked on its own thread (tokenizing
/// included), its inputs go to the <see cref="EmbeddingBatcher"/>, and its vectors come back shaped as asked. The span
/// <c>embeddings &lt;model&gt;</c> covers the request; the batches that ran its inputs link to it.
/// </summary>
internal static class EmbeddingsEndpoints
{
    public const string RequestIdHeader = "X-Request-Id";

    private static readonly ActivitySource Source = new(PlatformTelemetry.Embeddings);

    public static IEndpointRouteBuilder MapEmbeddingsEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1");
        v1.MapPost("/embeddings", HandleAsync);
        v1.MapGet("/models", (ServedEncoder model) => TypedResults.Json(
            new ModelList([new ModelCard(model.Name, model.CreatedAt.ToUnixTimeSeconds(), "llmplatform", model.Path, Parent: null, model.MaxLength)]),
            OpenAiJsonContext.Default.ModelList));
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpContext http, IEmbeddingModel model, EmbeddingBatcher batcher, EmbeddingsMetrics metrics, IOptions<EmbeddingsOptions> options)
    {
        var arrived = Stopwatch.GetTimestamp();
        var id = RequestId(http);
        var (request, problem) = await RequestBody.ReadAsync(http.Request.Body, EmbeddingsJsonContext.Default.EmbeddingRequest, http.RequestAborted);
        var (work, refused) = request is null ? (null, RequestError.BadRequest(problem!)) : EmbeddingWork.From(request, model, options.Value.MaxInputsPerRequest);
        if (work is null)
        {
            metrics.Request("invalid");
            return refused!.ToResult();
        }

        using var span = Source.StartActivity($"embeddings {model.Name}");
        span?.SetTag("gen_ai.operation.name", "embeddings");
        span?.SetTag("gen_ai.request.model", model.Name);
        span?.SetTag("llm.request_id", id);
        span?.SetTag("llm.inputs", work.Inputs.Count);
        span?.SetTag("gen_ai.usage.input_tokens", work.Tokens);
        span?.SetTag("gen_ai.request.encoding_formats", new[] { work.Base64 ? "base64" : "float" });
        if (work.Dimensions is { } dimensions)
        {
            span?.SetTag("gen_ai.embeddings.dimension.count", dimensions);
        }

        float[][] vectors;
        try
        {
            vectors = await batcher.EmbedAsync(work.Inputs, span?.Context ?? default, http.RequestAborted);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client has gone: nobody reads an answer, and its inputs not yet run were dropped.
            metrics.Request("cancelled");
            return TypedResults.Empty;
        }
        catch (BatcherStoppedException e)
        {
            metrics.Request("failed");
            return RequestError.Unavailable(e.Message).ToResult();
        }
        catch (Exception e)
        {
            span?.SetStatus(ActivityStatusCode.Error, e.Message);
            metrics.Request("failed");
            return RequestError.ServerError($"The model failed while embedding: {e.Message}").ToResult();
        }

        metrics.Served(work.Inputs.Count, work.Tokens, Stopwatch.GetElapsedTime(arrived));
        var data = vectors.Select((vector, index) => new EmbeddingData(index, new EmbeddingVector(work.Shape(vector, model.Normalizes), work.Base64))).ToList();
        return TypedResults.Json(new EmbeddingList(data, model.Name, new EmbeddingUsage(work.Tokens, work.Tokens)), EmbeddingsJsonContext.Default.EmbeddingList);
    }

    /// <summary>The caller's <c>X-Request-Id</c>, or a new one, returned in the same header (as the workers do).</summary>
    private static string RequestId(HttpContext http)
    {
        var given = http.Request.Headers[RequestIdHeader].ToString();
        var id = string.IsNullOrWhiteSpace(given) ? Guid.NewGuid().ToString("N") : given;
        http.Response.Headers[RequestIdHeader] = id;
        return id;
    }
}
