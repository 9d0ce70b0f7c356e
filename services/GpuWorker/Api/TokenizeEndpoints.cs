using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LlmPlatform.ChatTemplates;
using Microsoft.Extensions.Options;

namespace LlmPlatform.GpuWorker.Api;

/// <summary>
/// vLLM's <c>/tokenize</c> and <c>/detokenize</c>. Bodies are read by hand so that malformed JSON and template
/// errors come back in OpenAI's error shape (a template's raise_exception as a 400 carrying its message).
/// </summary>
internal static class TokenizeEndpoints
{
    public static IEndpointRouteBuilder MapTokenizeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/tokenize", async (HttpRequest http, ServedModel model, EngineHost engine, IOptions<WorkerOptions> options) =>
        {
            var (request, error) = await ReadAsync(http, WorkerJsonContext.Default.TokenizeRequest);
            if (request is null)
            {
                return error!;
            }

            if (request.Model is { } name && name != model.Name)
            {
                return OpenAiError.ModelNotFound(name);
            }

            if ((request.Prompt is null) == (request.Messages is null))
            {
                return OpenAiError.BadRequest("Give exactly one of 'prompt' and 'messages'.", request.Prompt is null ? "prompt" : "messages");
            }

            if (request.ChatTemplate is not null && !options.Value.TrustRequestChatTemplate)
            {
                return OpenAiError.BadRequest("Chat templates in requests are not accepted; start the server with --trust-request-chat-template true to allow them.", "chat_template");
            }

            int[] ids;
            if (request.Messages is { } messages)
            {
                string prompt;
                try
                {
                    prompt = model.Chat.Render(messages, request.Tools, request.AddGenerationPrompt, request.ChatTemplateKwargs, request.ChatTemplate);
                }
                catch (ChatTemplateRaisedException e)
                {
                    return OpenAiError.BadRequest(e.Message, "messages");
                }
                catch (ChatTemplateException e)
                {
                    return OpenAiError.BadRequest($"The chat template could not be rendered: {e.Message}", "chat_template");
                }
                catch (InvalidOperationException e)
                {
                    return OpenAiError.BadRequest(e.Message, "chat_template");
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
            var (request, error) = await ReadAsync(http, WorkerJsonContext.Default.DetokenizeRequest);
            if (request is null)
            {
                return error!;
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

    private static async Task<(T? Request, IResult? Error)> ReadAsync<T>(HttpRequest http, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var request = await JsonSerializer.DeserializeAsync(http.Body, type, http.HttpContext.RequestAborted);
            return request is null ? (null, OpenAiError.BadRequest("The request body must be a JSON object.")) : (request, null);
        }
        catch (JsonException e)
        {
            return (null, OpenAiError.BadRequest($"The request body is not valid JSON for this endpoint: {e.Message}", e.Path?.TrimStart('$', '.')));
        }
    }
}
