using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmPlatform.OpenAi;

namespace LlmPlatform.Embeddings.Api;

/// <summary>
/// <c>POST /v1/embeddings</c>: OpenAI's fields and vLLM's <c>truncate_prompt_tokens</c>. Unknown fields are refused, as
/// OpenAI refuses them. <c>input</c> takes the same four shapes as a completion's <c>prompt</c>, read by the same converter.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class EmbeddingRequest
{
    /// <summary>A string, a list of strings, a list of token ids, or a list of lists of token ids; one vector each.</summary>
    [JsonConverter(typeof(PromptsConverter))]
    public List<PromptInput>? Input { get; set; }

    public string? Model { get; set; }

    /// <summary><c>float</c> (default) or <c>base64</c>: the little-endian float32 bytes, as OpenAI's SDKs decode them.</summary>
    public string? EncodingFormat { get; set; }

    /// <summary>Shorter vectors: the first this many values, renormalized when the model normalizes.</summary>
    public int? Dimensions { get; set; }

    /// <summary>Accepted for OpenAI compatibility and not used: tenants are told apart by API key.</summary>
    public string? User { get; set; }

    /// <summary>vLLM: cut each input to this many tokens (-1: to the model's maximum) instead of refusing a longer one.</summary>
    public int? TruncatePromptTokens { get; set; }
}

/// <summary>The response: one embedding per input, in input order.</summary>
public sealed record EmbeddingList(IReadOnlyList<EmbeddingData> Data, string Model, EmbeddingUsage Usage)
{
    [JsonPropertyOrder(-1)]
    public string Object => "list";
}

public sealed record EmbeddingData(int Index, EmbeddingVector Embedding)
{
    [JsonPropertyOrder(-1)]
    public string Object => "embedding";
}

/// <summary>Embeddings have no completion tokens: total is prompt.</summary>
public sealed record EmbeddingUsage(int PromptTokens, int TotalTokens);

/// <summary>A vector as the client asked for it: a JSON array of numbers, or base64 of its float32 values, little-endian.</summary>
[JsonConverter(typeof(EmbeddingVectorConverter))]
public sealed record EmbeddingVector(float[] Values, bool Base64)
{
    public string ToBase64()
    {
        var bytes = new byte[Values.Length * sizeof(float)];
        for (var i = 0; i < Values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), Values[i]);
        }

        return Convert.ToBase64String(bytes);
    }
}

/// <summary>Writes an <see cref="EmbeddingVector"/>; floats are written in their shortest round-trip form, so a client reads back the same float32.</summary>
public sealed class EmbeddingVectorConverter : JsonConverter<EmbeddingVector>
{
    public override EmbeddingVector Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        throw new NotSupportedException("Embeddings are only written.");

    public override void Write(Utf8JsonWriter writer, EmbeddingVector value, JsonSerializerOptions options)
    {
        if (value.Base64)
        {
            // Base64's alphabet needs no JSON escaping; the default encoder would still write '+' as \u002B.
            writer.WriteRawValue($"\"{value.ToBase64()}\"", skipInputValidation: true);
            return;
        }

        writer.WriteStartArray();
        foreach (var x in value.Values)
        {
            writer.WriteNumberValue(x);
        }

        writer.WriteEndArray();
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(EmbeddingRequest))]
[JsonSerializable(typeof(EmbeddingList))]
internal sealed partial class EmbeddingsJsonContext : JsonSerializerContext;
