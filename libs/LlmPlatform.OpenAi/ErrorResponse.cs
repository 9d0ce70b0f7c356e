namespace LlmPlatform.OpenAi;

/// <summary>OpenAI's error body: <c>{"error": {"message", "type", "param", "code"}}</c>, nulls written.</summary>
public sealed record ErrorResponse(ErrorDetail Error)
{
    public static ErrorResponse Of(string message, string type, string? param = null, string? code = null) => new(new ErrorDetail(message, type, param, code));
}

public sealed record ErrorDetail(string Message, string Type, string? Param, string? Code);
