using System.Text.Json;
using System.Text.Json.Nodes;
using Grpc.Core;
using LlmPlatform.ChatTemplates;
using LlmPlatform.Contracts.Tokenizer;
using Microsoft.Extensions.Options;

namespace LlmPlatform.TokenizerService;

/// <summary>
/// The Tokenizer gRPC API. Bad input is answered with a status code and a message that says what was wrong;
/// nothing a client sends can take the service down.
/// </summary>
public sealed class TokenizerGrpcService(TokenizerRegistry registry, IOptions<TokenizerOptions> options) : Contracts.Tokenizer.Tokenizer.TokenizerBase
{
    private readonly TokenizerOptions limits = options.Value;

    public override Task<EncodeResponse> Encode(EncodeRequest request, ServerCallContext context)
    {
        var model = Model(request.Model);
        CheckLength(request.Text.Length);
        var response = new EncodeResponse();
        response.Ids.AddRange(model.Tokenizer.Encode(request.Text, request.AddSpecialTokens));
        return Task.FromResult(response);
    }

    public override Task<DecodeResponse> Decode(DecodeRequest request, ServerCallContext context)
    {
        var model = Model(request.Model);
        if (request.Ids.Count > limits.MaxInputIds)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{request.Ids.Count} ids exceed the limit of {limits.MaxInputIds}."));
        }

        try
        {
            return Task.FromResult(new DecodeResponse { Text = model.Tokenizer.Decode(request.Ids.ToArray(), request.SkipSpecialTokens) });
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new RpcException(new Status(StatusCode.OutOfRange, $"Token id {e.ActualValue} is out of range for model '{model.Name}' (vocabulary size {model.Tokenizer.VocabSize})."));
        }
    }

    public override Task<RenderChatResponse> RenderChat(RenderChatRequest request, ServerCallContext context)
    {
        var model = Model(request.Model);
        CheckLength(request.MessagesJson.Length + request.ToolsJson.Length + request.ChatTemplate.Length + request.TemplateKwargsJson.Length);
        var messages = ParseJson<JsonArray>(request.MessagesJson, "messages_json", required: true)!;
        var tools = ParseJson<JsonArray>(request.ToolsJson, "tools_json", required: false);
        var kwargs = ParseJson<JsonObject>(request.TemplateKwargsJson, "template_kwargs_json", required: false);
        var overrideTemplate = request.ChatTemplate.Length > 0 ? request.ChatTemplate : null;
        if (overrideTemplate is not null && !limits.TrustRequestChatTemplate)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "Chat templates in requests are not accepted by this server (Tokenizer:TrustRequestChatTemplate)."));
        }

        if (overrideTemplate is null && !model.Chat.HasTemplate)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Model '{model.Name}' has no chat template; pass chat_template with the request."));
        }

        string prompt;
        try
        {
            prompt = model.Chat.Render(messages, tools, request.AddGenerationPrompt, kwargs, overrideTemplate);
        }
        catch (ChatTemplateRaisedException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, e.Message));
        }
        catch (ChatTemplateSyntaxException e) when (overrideTemplate is null)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"Model '{model.Name}' has a chat template that does not parse: {e.Message}"));
        }
        catch (ChatTemplateException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"The chat template could not be rendered: {e.Message}"));
        }

        var response = new RenderChatResponse { Prompt = prompt };
        if (request.Tokenize)
        {
            response.Ids.AddRange(model.Tokenizer.Encode(prompt, addSpecialTokens: false));
        }

        return Task.FromResult(response);
    }

    public override Task<ModelInfo> GetModelInfo(ModelInfoRequest request, ServerCallContext context)
    {
        var model = Model(request.Model);
        var tokenizer = model.Tokenizer;
        var info = new ModelInfo
        {
            Model = model.Name,
            VocabSize = tokenizer.VocabSize,
            MaxLength = tokenizer.Config.ModelMaxLength ?? 0,
            HasChatTemplate = model.Chat.HasTemplate,
            BosToken = tokenizer.Config.BosToken ?? "",
            EosToken = tokenizer.Config.EosToken ?? "",
        };
        info.SpecialTokens.AddRange(tokenizer.AddedTokens.Where(t => t.Special).OrderBy(t => t.Id).Select(t => new SpecialToken { Id = t.Id, Content = t.Content }));
        return Task.FromResult(info);
    }

    public override Task<ListModelsResponse> ListModels(ListModelsRequest request, ServerCallContext context)
    {
        var response = new ListModelsResponse();
        response.Models.AddRange(registry.All.Select(m => m.Name).Order(StringComparer.Ordinal));
        return Task.FromResult(response);
    }

    private LoadedTokenizer Model(string name) => registry.Find(name)
        ?? throw new RpcException(new Status(StatusCode.NotFound, $"Model '{name}' is not served here. Served: {string.Join(", ", registry.All.Select(m => m.Name))}."));

    private void CheckLength(int characters)
    {
        if (characters > limits.MaxInputChars)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"Input of {characters} characters exceeds the limit of {limits.MaxInputChars}."));
        }
    }

    private static T? ParseJson<T>(string json, string field, bool required)
        where T : JsonNode
    {
        if (json.Length == 0 && !required)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(json) as T ?? throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} must be a JSON {(typeof(T) == typeof(JsonArray) ? "array" : "object")}."));
        }
        catch (JsonException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} is not valid JSON: {e.Message}"));
        }
    }
}
