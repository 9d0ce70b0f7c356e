using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LlmPlatform.OpenAi;

/// <summary>
/// The sampling and stopping fields that <c>/v1/completions</c> and <c>/v1/chat/completions</c> share, under OpenAI's
/// names and vLLM's extensions. Unset fields keep vLLM's defaults. Unknown fields are rejected (each request type
/// disallows unmapped members), as OpenAI does, so a misspelt <c>temprature</c> is a 400, not an ignored setting.
/// </summary>
public abstract class GenerationRequestBody
{
    public string? Model { get; set; }

    public int? MaxTokens { get; set; }

    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    public int? N { get; set; }

    public bool Stream { get; set; }

    public StreamOptions? StreamOptions { get; set; }

    [JsonConverter(typeof(StringOrStringsConverter))]
    public List<string>? Stop { get; set; }

    public double? PresencePenalty { get; set; }

    public double? FrequencyPenalty { get; set; }

    /// <summary>Token id (as a string, JSON object keys being strings) to a bias in [-100, 100].</summary>
    public Dictionary<string, double>? LogitBias { get; set; }

    public long? Seed { get; set; }

    /// <summary>Accepted for OpenAI compatibility and not used: tenants are told apart by API key, not by this field.</summary>
    public string? User { get; set; }

    public bool Echo { get; set; }

    public int? TopK { get; set; }

    public double? MinP { get; set; }

    public double? RepetitionPenalty { get; set; }

    public int? MinTokens { get; set; }

    public bool IgnoreEos { get; set; }

    public List<int>? StopTokenIds { get; set; }

    public bool SkipSpecialTokens { get; set; } = true;

    public bool IncludeStopStrInOutput { get; set; }

    /// <summary>vLLM's priority: lower runs first when the engine's queue is ordered by priority.</summary>
    public int Priority { get; set; }

    /// <summary>vLLM's cache_salt: requests with different salts never share prefix-cache blocks.</summary>
    public string? CacheSalt { get; set; }
}

public sealed class StreamOptions
{
    public bool IncludeUsage { get; set; }
}

/// <summary><c>POST /v1/completions</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class CompletionRequest : GenerationRequestBody
{
    /// <summary>A string, a list of strings, a list of token ids, or a list of such lists; each prompt gets n choices.</summary>
    [JsonConverter(typeof(PromptsConverter))]
    public List<PromptInput>? Prompt { get; set; }

    /// <summary>Top alternatives per token, 0-20 (OpenAI allows 5; vLLM's default limit is 20).</summary>
    public int? Logprobs { get; set; }

    public string? Suffix { get; set; }

    public int? BestOf { get; set; }

    public bool? AddSpecialTokens { get; set; }
}

/// <summary><c>POST /v1/chat/completions</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class ChatCompletionRequest : GenerationRequestBody
{
    public JsonArray? Messages { get; set; }

    /// <summary>OpenAI's newer name for max_tokens; it wins when both are given.</summary>
    public int? MaxCompletionTokens { get; set; }

    public bool Logprobs { get; set; }

    public int? TopLogprobs { get; set; }

    public JsonArray? Tools { get; set; }

    public JsonNode? ToolChoice { get; set; }

    public bool? ParallelToolCalls { get; set; }

    public JsonObject? ResponseFormat { get; set; }

    public bool AddGenerationPrompt { get; set; } = true;

    public bool AddSpecialTokens { get; set; }

    public string? ChatTemplate { get; set; }

    public JsonObject? ChatTemplateKwargs { get; set; }
}

/// <summary>One prompt of a completion request: text, or token ids taken as they are.</summary>
public sealed record PromptInput(string? Text, IReadOnlyList<int>? TokenIds);

/// <summary>OpenAI's <c>stop</c>: one string or a list of them.</summary>
public sealed class StringOrStringsConverter : JsonConverter<List<string>>
{
    public override List<string>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return [reader.GetString()!];
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("expected a string or an array of strings");
        }

        var values = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            values.Add(reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw new JsonException("expected a string or an array of strings"));
        }

        return values;
    }

    public override void Write(Utf8JsonWriter writer, List<string> value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Requests are only read.");
}

/// <summary>OpenAI's <c>prompt</c>: a string, a list of strings, a list of token ids, or a list of lists of token ids.</summary>
public sealed class PromptsConverter : JsonConverter<List<PromptInput>>
{
    private const string Expected = "expected a string, an array of strings, an array of token ids or an array of arrays of token ids";

    public override List<PromptInput>? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return [new PromptInput(reader.GetString(), null)];
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException(Expected);
        }

        var prompts = new List<PromptInput>();
        var ids = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String when ids.Count == 0:
                    prompts.Add(new PromptInput(reader.GetString(), null));
                    break;
                case JsonTokenType.Number when prompts.Count == 0:
                    ids.Add(ReadId(ref reader));
                    break;
                case JsonTokenType.StartArray when ids.Count == 0:
                    prompts.Add(new PromptInput(null, ReadIds(ref reader)));
                    break;
                default:
                    throw new JsonException(Expected);
            }
        }

        return ids.Count > 0 ? [new PromptInput(null, ids)] : prompts;
    }

    private static List<int> ReadIds(ref Utf8JsonReader reader)
    {
        var ids = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            ids.Add(ReadId(ref reader));
        }

        return ids;
    }

    private static int ReadId(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var id) ? id : throw new JsonException(Expected);

    public override void Write(Utf8JsonWriter writer, List<PromptInput> value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Requests are only read.");
}
