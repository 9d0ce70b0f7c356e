using System.Text.Json;
using LlmPlatform.OpenAi;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>The worker's errors as results, in OpenAI's error body (<see cref="ErrorResponse"/>).</summary>
public static class OpenAiError
{
    public static IResult BadRequest(string message, string? param = null, string? code = null) =>
        Json(ErrorResponse.Of(message, "invalid_request_error", param, code), StatusCodes.Status400BadRequest);

    /// <summary>A body that could not be read into its request type.</summary>
    public static IResult BadRequest(RequestProblem problem) => BadRequest(problem.Message, problem.Param);

    public static IResult ModelNotFound(string model) =>
        Json(ErrorResponse.Of($"The model `{model}` does not exist.", "invalid_request_error", "model", "model_not_found"), StatusCodes.Status404NotFound);

    /// <summary>The server's fault (the engine loop failed), never the request's: a 500 the client may retry elsewhere.</summary>
    public static IResult ServerError(string message) => Json(Server(message), StatusCodes.Status500InternalServerError);

    /// <summary>The same error as one event of a stream whose 200 headers have already gone.</summary>
    public static string ServerErrorJson(string message) => JsonSerializer.Serialize(Server(message), OpenAiJsonContext.Default.ErrorResponse);

    private static ErrorResponse Server(string message) => ErrorResponse.Of(message, "internal_server_error");

    private static IResult Json(ErrorResponse error, int status) => TypedResults.Json(error, OpenAiJsonContext.Default.ErrorResponse, statusCode: status);
}
