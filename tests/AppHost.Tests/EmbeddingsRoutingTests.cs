using System.Net.Http.Json;
using System.Text.Json;

namespace LlmPlatform.AppHost.Tests;

/// <summary>
/// The Router without Redis (YARP's configured routes for the workers) still sends <c>/v1/embeddings</c> to the
/// Embeddings service, and answers in OpenAI's error shape when that service cannot be reached.
/// </summary>
public sealed class EmbeddingsRoutingTests
{
    [Fact]
    public async Task A_router_that_cannot_reach_the_embeddings_service_answers_502_in_openai_error_shape()
    {
        await using var router = await ServiceProcess.StartAsync(new Projects.Router().ProjectPath, port => ["--port", port, "--Router:EmbeddingsAddress=http://127.0.0.1:9"]);

        using var response = await router.Client.PostAsJsonAsync("/v1/embeddings", new { input = "hi" });
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        Assert.Equal(502, (int)response.StatusCode);
        Assert.Equal("service_unavailable_error", error.GetProperty("type").GetString());
        Assert.Contains("Embeddings", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_router_without_redis_sends_embeddings_to_the_embeddings_service_and_the_rest_to_workers()
    {
        await using var embeddings = await ServiceProcess.StartAsync(new Projects.Embeddings().ProjectPath, port => ["--port", port, "--served-model-name", "minilm"]);
        await using var router = await ServiceProcess.StartAsync(new Projects.Router().ProjectPath,
            port => ["--port", port, $"--Router:EmbeddingsAddress={embeddings.Client.BaseAddress}"]);

        using var embedded = await router.Client.PostAsJsonAsync("/v1/embeddings", new { model = "minilm", input = new[] { "one", "two" } });
        using var completion = await router.Client.PostAsJsonAsync("/v1/completions", new { prompt = "hi" });
        var body = await embedded.Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(embedded.IsSuccessStatusCode, body.ToString());
        Assert.Equal("minilm", body.GetProperty("model").GetString());
        Assert.Equal(2, body.GetProperty("data").GetArrayLength());
        // No worker is configured: the completion still went the workers' way.
        Assert.Equal(503, (int)completion.StatusCode);
    }
}
