namespace LlmPlatform.GpuWorker.Api;

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>.</summary>
public sealed record OpenAiError(OpenAiErrorDetail Error)
{
    public static IResult BadRequest(string message, string? param = null, string? code = null) =>
        TypedResults.Json(new OpenAiError(new OpenAiErrorDetail(message, "invalid_request_error", param, code)), WorkerJsonContext.Default.OpenAiError, statusCode: StatusCodes.Status400BadRequest);

    public static IResult ModelNotFound(string model) =>
        TypedResults.Json(new OpenAiError(new OpenAiErrorDetail($"The model `{model}` does not exist.", "invalid_request_error", "model", "model_not_found")), WorkerJsonContext.Default.OpenAiError, statusCode: StatusCodes.Status404NotFound);
}

public sealed record OpenAiErrorDetail(string Message, string Type, string? Param, string? Code);
