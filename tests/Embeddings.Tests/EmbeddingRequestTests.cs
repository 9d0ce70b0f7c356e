using System.Text.Json;
using LlmPlatform.Embeddings.Api;
using LlmPlatform.OpenAi;

namespace LlmPlatform.Embeddings.Tests;

/// <summary>A body read and checked as the endpoint does, against a fake model of 16 tokens and 4 dimensions.</summary>
public sealed class EmbeddingRequestTests
{
    private static readonly FakeEncoder Model = new();

    private static (EmbeddingWork? Work, RequestError? Error) Read(string body, int maxInputs = 8)
    {
        using var document = JsonDocument.Parse(body);
        var (request, problem) = RequestBody.Bind(document.RootElement, EmbeddingsJsonContext.Default.EmbeddingRequest);
        return request is null ? (null, RequestError.BadRequest(problem!)) : EmbeddingWork.From(request, Model, maxInputs);
    }

    private static EmbeddingWork Valid(string body)
    {
        var (work, error) = Read(body);
        Assert.Null(error);
        return work!;
    }

    [Theory]
    [InlineData("""[1, 2]""", 400, null, null)]
    [InlineData("""{}""", 400, "input", null)]
    [InlineData("""{"input": null}""", 400, "input", null)]
    [InlineData("""{"input": []}""", 400, "input", null)]
    [InlineData("""{"input": ""}""", 400, "input", null)]
    [InlineData("""{"input": ["a", ""]}""", 400, "input", null)]
    [InlineData("""{"input": [[]]}""", 400, "input", null)]
    [InlineData("""{"input": 1.5}""", 400, "input", null)]
    [InlineData("""{"input": {"text": "a"}}""", 400, "input", null)]
    [InlineData("""{"input": [1, "a"]}""", 400, "input", null)]
    [InlineData("""{"input": [1, -1]}""", 400, "input", null)]
    [InlineData("""{"input": [1, 1000]}""", 400, "input", null)]
    [InlineData("""{"input": ["a", "b", "c", "d", "e", "f", "g", "h", "i"]}""", 400, "input", null)]
    [InlineData("""{"input": "a b c d e f g h i j k l m n o"}""", 400, "input", "context_length_exceeded")]
    [InlineData("""{"input": "a", "encoding_format": "int8"}""", 400, "encoding_format", null)]
    [InlineData("""{"input": "a", "encoding_format": 1}""", 400, "encoding_format", null)]
    [InlineData("""{"input": "a", "dimensions": 0}""", 400, "dimensions", null)]
    [InlineData("""{"input": "a", "dimensions": 5}""", 400, "dimensions", null)]
    [InlineData("""{"input": "a", "dimensions": "small"}""", 400, "dimensions", null)]
    [InlineData("""{"input": "a", "dimensions": 2.5}""", 400, "dimensions", null)]
    [InlineData("""{"input": "a", "truncate_prompt_tokens": 0}""", 400, "truncate_prompt_tokens", null)]
    [InlineData("""{"input": "a", "truncate_prompt_tokens": -2}""", 400, "truncate_prompt_tokens", null)]
    [InlineData("""{"input": "a", "truncate_prompt_tokens": 17}""", 400, "truncate_prompt_tokens", null)]
    [InlineData("""{"input": "a", "user": 5}""", 400, "user", null)]
    [InlineData("""{"input": "a", "temperature": 1}""", 400, "temperature", null)]
    [InlineData("""{"model": "other", "input": "a"}""", 404, "model", "model_not_found")]
    public void Bad_requests_get_openai_errors_naming_the_field(string body, int status, string? param, string? code)
    {
        var (work, error) = Read(body);

        Assert.Null(work);
        Assert.Equal((status, param, code, "invalid_request_error"), (error!.Status, error.Param, error.Code, error.Type));
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    [Fact]
    public void A_text_is_tokenized_with_the_model_s_special_tokens()
    {
        var work = Valid("""{"input": "hello big world", "model": "fake-encoder", "user": "someone"}""");

        Assert.Equal([Model.Tokenize("hello big world")], work.Inputs);
        Assert.Equal(5, work.Tokens);
        Assert.False(work.Base64);
    }

    [Fact]
    public void Every_input_shape_gives_one_input_per_item_in_order()
    {
        Assert.Equal([Model.Tokenize("a"), Model.Tokenize("b c")], Valid("""{"input": ["a", "b c"]}""").Inputs);
        Assert.Equal([[5, 6, 7]], Valid("""{"input": [5, 6, 7]}""").Inputs);
        Assert.Equal([[5], [6, 7]], Valid("""{"input": [[5], [6, 7]]}""").Inputs);
    }

    [Fact]
    public void An_input_over_the_maximum_is_refused_with_its_length_and_the_maximum()
    {
        var (_, error) = Read("""{"input": ["a", "a b c d e f g h i j k l m n o"]}""");

        Assert.Contains("16", error!.Message);
        Assert.Contains("17", error.Message);
        Assert.Contains("input[1]", error.Message);
    }

    [Fact]
    public void Truncate_prompt_tokens_cuts_long_inputs_keeping_the_start_and_the_final_separator()
    {
        var text = "a b c d e f g h i j k l m n o";

        var cut = Valid($$"""{"input": "{{text}}", "truncate_prompt_tokens": 8}""");
        var toMaximum = Valid($$"""{"input": ["{{text}}", "a"], "truncate_prompt_tokens": -1}""");

        Assert.Equal(Model.Tokenize(text)[..7].Append(FakeEncoder.Sep), Assert.Single(cut.Inputs));
        Assert.Equal(8, cut.Tokens);
        Assert.Equal([16, 3], toMaximum.Inputs.Select(ids => ids.Length));
    }

    [Fact]
    public void Dimensions_shorten_and_renormalize_the_vectors_of_a_normalizing_model()
    {
        var work = Valid("""{"input": "a", "dimensions": 2}""");
        float[] vector = [3f, 0f, 4f, 0f];

        Assert.Equal([1f, 0f], work.Shape(vector, normalizes: true));
        Assert.Equal([3f, 0f], work.Shape(vector, normalizes: false));
        Assert.Same(vector, Valid("""{"input": "a", "dimensions": 4}""").Shape(vector, normalizes: true));
    }

    [Fact]
    public void Base64_is_asked_for_with_encoding_format()
    {
        Assert.True(Valid("""{"input": "a", "encoding_format": "base64"}""").Base64);
        Assert.False(Valid("""{"input": "a", "encoding_format": "float"}""").Base64);
    }
}
