using System.Text.Json;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAiError(OpenAiErrorDetail Error)
{
    public static IResult BadRequest(string message, string? param = null, string? code = null) =>
        TypedResults.Json(new OpenAiError(new OpenAiErrorDetail(message, "invalid_request_error", param, code)), WorkerJsonContext.Default.OpenAiError, statusCode: StatusCodes.Status400BadRequest);

    public static IResult ModelNotFound(string model) =>
        TypedResults.Json(new OpenAiError(new OpenAiErrorDetail($"The model `{model}` does not exist.", "invalid_request_error", "model", "model_not_found")), WorkerJsonContext.Default.OpenAiError, statusCode: StatusCodes.Status404NotFound);

    /// <summary>The server's fault (the engine loop failed), never the request's: a 500 the client may retry elsewhere.</summary>
    public static IResult ServerError(string message) =>
        TypedResults.Json(Server(message), WorkerJsonContext.Default.OpenAiError, statusCode: StatusCodes.Status500InternalServerError);

    /// <summary>The same error as one event of a stream whose 200 headers have already gone.</summary>
    public static string ServerErrorJson(string message) => JsonSerializer.Serialize(Server(message), WorkerJsonContext.Default.OpenAiError);

    private static OpenAiError Server(string message) => new(new OpenAiErrorDetail(message, "internal_server_error", null, null));
}

public sealed record OpenAiErrorDetail(string Message, string Type, string? Param, string? Code);
