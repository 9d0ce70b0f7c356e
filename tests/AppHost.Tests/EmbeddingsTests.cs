using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using OpenAI;
using OpenAI.Embeddings;

namespace LlmPlatform.AppHost.Tests;

/// <summary>
/// <c>/v1/embeddings</c> through the Router of the real platform, served by the Embeddings service with its default
/// model (all-MiniLM-L6-v2), driven by the official OpenAI .NET SDK as a user would (it asks for base64 by default)
/// and by its protocol methods for the fields it does not have (float, truncate_prompt_tokens).
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class EmbeddingsTests(PlatformFixture platform)
{
    public const string Model = "all-MiniLM-L6-v2";
    private const int ModelDimensions = 384;
    private const int ModelMaxLength = 256;

    /// <summary>Loose enough for padding in a batch, which changes float sums in their last bits.</summary>
    private const float Tolerance = 1e-5f;

    private static readonly string LongText = string.Join(' ', Enumerable.Repeat("word", 400));

    private EmbeddingClient Client() =>
        new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(platform.App.GetEndpoint("router", "http"), "/v1") })
            .GetEmbeddingClient(Model);

    /// <summary>The SDK's protocol method: a body of our own, the raw response parsed.</summary>
    private static async Task<JsonElement> PostAsync(EmbeddingClient client, object body)
    {
        var result = await client.GenerateEmbeddingsAsync(BinaryContent.Create(BinaryData.FromObjectAsJson(body)));
        return JsonDocument.Parse(result.GetRawResponse().Content.ToString()).RootElement.Clone();
    }

    private static float[] Floats(JsonElement embedding) => [.. embedding.EnumerateArray().Select(x => x.GetSingle())];

    private static double Norm(ReadOnlySpan<float> vector)
    {
        var sum = 0.0;
        foreach (var x in vector)
        {
            sum += (double)x * x;
        }

        return Math.Sqrt(sum);
    }

    private static double Cosine(ReadOnlyMemory<float> a, ReadOnlyMemory<float> b)
    {
        var dot = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a.Span[i] * b.Span[i];
        }

        return dot / (Norm(a.Span) * Norm(b.Span));
    }

    [Fact]
    public async Task Float_and_base64_give_the_same_vector()
    {
        var client = Client();
        const string text = "The Router sends embeddings to the Embeddings service.";

        var sdk = (await client.GenerateEmbeddingAsync(text)).Value.ToFloats().ToArray();
        var asFloats = await PostAsync(client, new { model = Model, input = text, encoding_format = "float" });
        var asBase64 = await PostAsync(client, new { model = Model, input = text, encoding_format = "base64" });

        var floats = Floats(asFloats.GetProperty("data")[0].GetProperty("embedding"));
        var decoded = Convert.FromBase64String(asBase64.GetProperty("data")[0].GetProperty("embedding").GetString()!);
        Assert.Equal(ModelDimensions, floats.Length);
        Assert.Equal(floats, sdk);
        Assert.Equal(floats, Enumerable.Range(0, decoded.Length / 4).Select(i => BitConverter.ToSingle(decoded, i * 4)));
        Assert.Equal(1.0, Norm(floats), 5);
    }

    [Fact]
    public async Task Dimensions_shorten_the_vector_and_renormalize_it()
    {
        var client = Client();
        const string text = "Matryoshka embeddings keep their meaning in their first values.";

        var full = (await client.GenerateEmbeddingAsync(text)).Value.ToFloats().ToArray();
        var shortened = (await client.GenerateEmbeddingAsync(text, new EmbeddingGenerationOptions { Dimensions = 64 })).Value.ToFloats().ToArray();

        Assert.Equal(64, shortened.Length);
        Assert.Equal(1.0, Norm(shortened), 5);
        var expected = full[..64].Select(x => (float)(x / Norm(full.AsSpan(0, 64))));
        Assert.All(expected.Zip(shortened), pair => Assert.Equal(pair.First, pair.Second, Tolerance));
    }

    [Fact]
    public async Task A_batch_of_inputs_comes_back_in_order_with_usage_summed()
    {
        var client = Client();
        string[] texts = ["short", "a somewhat longer sentence about paged attention", "KV caches", "tokens", "the quick brown fox jumps over the lazy dog"];

        var batch = (await client.GenerateEmbeddingsAsync(texts)).Value;
        var singles = await Task.WhenAll(texts.Select(async text => (await client.GenerateEmbeddingsAsync([text])).Value));

        Assert.Equal(Model, batch.Model);
        Assert.Equal(Enumerable.Range(0, texts.Length), batch.Select(e => e.Index));
        for (var i = 0; i < texts.Length; i++)
        {
            var alone = singles[i][0].ToFloats().ToArray();
            Assert.All(batch[i].ToFloats().ToArray().Zip(alone), pair => Assert.Equal(pair.Second, pair.First, Tolerance));
        }

        Assert.Equal(singles.Sum(s => s.Usage.InputTokenCount), batch.Usage.InputTokenCount);
        Assert.Equal(batch.Usage.InputTokenCount, batch.Usage.TotalTokenCount);
        // Each input counts its [CLS] and [SEP].
        Assert.Equal(3, singles[0].Usage.InputTokenCount);
    }

    [Fact]
    public async Task Concurrent_requests_each_get_their_own_vectors()
    {
        var client = Client();
        var texts = Enumerable.Range(0, 24).Select(i => $"request number {i} " + string.Join(' ', Enumerable.Repeat("word", i))).ToArray();

        var expected = new List<float[]>();
        foreach (var text in texts)
        {
            expected.Add((await client.GenerateEmbeddingAsync(text)).Value.ToFloats().ToArray());
        }

        var concurrent = await Task.WhenAll(texts.Select(async text => (await client.GenerateEmbeddingAsync(text)).Value.ToFloats().ToArray()));

        for (var i = 0; i < texts.Length; i++)
        {
            Assert.All(concurrent[i].Zip(expected[i]), pair => Assert.Equal(pair.Second, pair.First, Tolerance));
        }
    }

    [Fact]
    public async Task Similar_sentences_are_closer_than_unrelated_ones()
    {
        var client = Client();

        var vectors = (await client.GenerateEmbeddingsAsync(["A cat sits on the mat.", "A kitten is resting on a rug.", "Quarterly revenue grew by eight percent."])).Value;

        Assert.True(Cosine(vectors[0].ToFloats(), vectors[1].ToFloats()) > Cosine(vectors[0].ToFloats(), vectors[2].ToFloats()) + 0.2);
    }

    [Fact]
    public async Task An_input_over_the_maximum_is_refused_and_embedded_with_truncate_prompt_tokens()
    {
        var client = Client();

        var refused = await Assert.ThrowsAsync<ClientResultException>(() => client.GenerateEmbeddingAsync(LongText));
        var truncated = await PostAsync(client, new { model = Model, input = LongText, truncate_prompt_tokens = -1 });
        var shorter = await PostAsync(client, new { model = Model, input = LongText, truncate_prompt_tokens = 16 });

        Assert.Equal(400, refused.Status);
        var error = JsonDocument.Parse(refused.GetRawResponse()!.Content.ToString()).RootElement.GetProperty("error");
        Assert.Equal(("input", "context_length_exceeded"), (error.GetProperty("param").GetString(), error.GetProperty("code").GetString()));
        Assert.Contains($"{ModelMaxLength}", error.GetProperty("message").GetString());
        Assert.Contains("402", error.GetProperty("message").GetString());
        Assert.Equal(ModelMaxLength, truncated.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(ModelDimensions, truncated.GetProperty("data")[0].GetProperty("embedding").GetArrayLength());
        Assert.Equal(16, shorter.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task The_request_id_comes_back_and_token_ids_are_embedded_as_given()
    {
        using var router = platform.App.CreateHttpClient("router");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/embeddings")
        {
            Content = new StringContent("""{"input": [[101, 7592, 2088, 102], [101, 102]]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Request-Id", "embeddings-test-1");

        using var response = await router.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("embeddings-test-1", response.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal(6, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2, body.GetProperty("data").GetArrayLength());
    }
}
