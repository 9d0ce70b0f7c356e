using System.Buffers.Binary;
using System.Text.Json;
using LlmPlatform.Embeddings.Api;

namespace LlmPlatform.Embeddings.Tests;

/// <summary>The response's JSON: OpenAI's shape, floats that read back exactly, base64 of little-endian float32.</summary>
public sealed class EmbeddingResponseTests
{
    private static readonly float[] Values = [.. Enumerable.Range(0, 384).Select(i => (float)Math.Sin(i * 0.37) / (i + 1))];

    private static JsonElement Serialize(bool base64)
    {
        var list = new EmbeddingList([new EmbeddingData(0, new EmbeddingVector(Values, base64))], "m", new EmbeddingUsage(7, 7));
        return JsonDocument.Parse(JsonSerializer.Serialize(list, EmbeddingsJsonContext.Default.EmbeddingList)).RootElement;
    }

    [Fact]
    public void The_response_has_openai_s_shape()
    {
        var body = Serialize(base64: false);

        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal("m", body.GetProperty("model").GetString());
        var item = Assert.Single(body.GetProperty("data").EnumerateArray());
        Assert.Equal(("embedding", 0), (item.GetProperty("object").GetString(), item.GetProperty("index").GetInt32()));
        Assert.Equal((7, 7), (body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), body.GetProperty("usage").GetProperty("total_tokens").GetInt32()));
    }

    [Fact]
    public void Float_values_read_back_as_the_same_float32()
    {
        var read = Serialize(base64: false).GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(x => x.GetSingle());

        Assert.Equal(Values, read);
    }

    [Fact]
    public void Base64_holds_the_little_endian_float32_bytes()
    {
        var bytes = Convert.FromBase64String(Serialize(base64: true).GetProperty("data")[0].GetProperty("embedding").GetString()!);

        var read = Enumerable.Range(0, bytes.Length / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4)));

        Assert.Equal(Values, read);
    }
}
