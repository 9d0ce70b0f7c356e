using LlmPlatform.OpenAi;
using Microsoft.Extensions.Options;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// vLLM's <c>/tokenize</c> and <c>/detokenize</c>, with malformed JSON and template errors in OpenAI's error shape
/// (<see cref="RequestBody"/>, <see cref="ChatPrompt"/>).
/// </summary>
internal static class TokenizeEndpoints
{
    public static IEndpointRouteBuilder MapTokenizeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/tokenize", async (HttpRequest http, ServedModel model, EngineHost engine, IOptions<WorkerOptions> options) =>
        {
            var (request, problem) = await RequestBody.ReadAsync(http.Body, WorkerJsonContext.Default.TokenizeRequest, http.HttpContext.RequestAborted);
            if (request is null)
            {
                return OpenAiError.BadRequest(problem!);
            }

            if (request.Model is { } name && name != model.Name)
            {
                return OpenAiError.ModelNotFound(name);
            }

            if ((request.Prompt is null) == (request.Messages is null))
            {
                return OpenAiError.BadRequest("Give exactly one of 'prompt' and 'messages'.", request.Prompt is null ? "prompt" : "messages");
            }

            int[] ids;
            if (request.Messages is not null)
            {
                var (messages, invalid) = ChatPrompt.Normalize(request.Messages);
                var (prompt, renderError) = messages is null
                    ? (null, invalid)
                    : ChatPrompt.Render(model, messages, request.Tools, request.AddGenerationPrompt, request.ChatTemplateKwargs, request.ChatTemplate, options.Value.TrustRequestChatTemplate);
                if (prompt is null)
                {
                    return renderError!;
                }

                ids = model.Tokenizer.Encode(prompt, request.AddSpecialTokens ?? false);
            }
            else
            {
                ids = model.Tokenizer.Encode(request.Prompt!, request.AddSpecialTokens ?? true);
            }

            var strings = request.ReturnTokenStrs ? ids.Select(model.Tokenizer.IdToToken).ToList() : null;
            return TypedResults.Json(new TokenizeResponse(ids.Length, engine.MaxModelLen, ids, strings), WorkerJsonContext.Default.TokenizeResponse);
        });

        app.MapPost("/detokenize", async (HttpRequest http, ServedModel model) =>
        {
            var (request, problem) = await RequestBody.ReadAsync(http.Body, WorkerJsonContext.Default.DetokenizeRequest, http.HttpContext.RequestAborted);
            if (request is null)
            {
                return OpenAiError.BadRequest(problem!);
            }

            if (request.Model is { } name && name != model.Name)
            {
                return OpenAiError.ModelNotFound(name);
            }

            if (request.Tokens is null)
            {
                return OpenAiError.BadRequest("'tokens' is required.", "tokens");
            }

            try
            {
                return TypedResults.Json(new DetokenizeResponse(model.Tokenizer.Decode(request.Tokens.ToArray())), WorkerJsonContext.Default.DetokenizeResponse);
            }
            catch (ArgumentOutOfRangeException e)
            {
                return OpenAiError.BadRequest($"Token id {e.ActualValue} is out of range (vocabulary size {model.Tokenizer.VocabSize}).", "tokens");
            }
        });

        return app;
    }
}
