using System.Text.Json.Serialization;

namespace LlmPlatform.OpenAi;

/// <summary>
/// Source-generated JSON for the OpenAI shapes, snake_case as OpenAI spells them. Nulls are written (OpenAI sends
/// <c>"logprobs": null</c>, <c>"finish_reason": null</c>), except where a type opts out per property.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CompletionRequest))]
[JsonSerializable(typeof(ChatCompletionRequest))]
[JsonSerializable(typeof(Completion))]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ErrorResponse))]
public sealed partial class OpenAiJsonContext : JsonSerializerContext;
