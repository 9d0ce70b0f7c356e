using LlmPlatform.OpenAi;

namespace LlmPlatform.Embeddings.Api;

/// <summary>A request the service does not serve: the status and the fields of OpenAI's error body.</summary>
public sealed record RequestError(int Status, string Message, string? Param = null, string? Code = null, string Type = "invalid_request_error")
{
    public static RequestError BadRequest(string message, string? param = null, string? code = null) => new(StatusCodes.Status400BadRequest, message, param, code);

    /// <summary>A body that could not be read into its request type.</summary>
    public static RequestError BadRequest(RequestProblem problem) => BadRequest(problem.Message, problem.Param);

    public static RequestError ModelNotFound(string model) => new(StatusCodes.Status404NotFound, $"The model `{model}` does not exist.", "model", "model_not_found");

    /// <summary>The server's fault (the model failed on a batch), never the request's.</summary>
    public static RequestError ServerError(string message) => new(StatusCodes.Status500InternalServerError, message, Type: "internal_server_error");

    /// <summary>The service is shutting down: another replica, or this one restarted, will answer.</summary>
    public static RequestError Unavailable(string message) => new(StatusCodes.Status503ServiceUnavailable, message, Type: "service_unavailable_error");

    public IResult ToResult() =>
        TypedResults.Json(ErrorResponse.Of(Message, Type, Param, Code), OpenAiJsonContext.Default.ErrorResponse, statusCode: Status);
}
