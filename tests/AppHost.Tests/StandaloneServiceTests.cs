using System.Net.Http.Json;
using System.Text.Json;
using LlmPlatform.Models.Demo;

namespace LlmPlatform.AppHost.Tests;

/// <summary>Workers and the embeddings service run on their own with vLLM's flags, without the AppHost or Redis.</summary>
public sealed class StandaloneServiceTests : IDisposable
{
    private readonly string modelsRoot = Directory.CreateTempSubdirectory("llmplatform-standalone-").FullName;

    public void Dispose() => Directory.Delete(modelsRoot, recursive: true);

    private string TinyModel(string name) => ModelCache.EnsureRandomModel(modelsRoot, ModelShape.Demo with { Name = name, HiddenSize = 64, IntermediateSize = 128, Layers = 1, Heads = 4, KeyValueHeads = 2 });

    [Theory]
    [InlineData(null)]
    [InlineData("http://127.0.0.1:9")]
    public async Task A_router_that_cannot_reach_a_worker_answers_in_openai_error_shape(string? worker)
    {
        string[] destinations = worker is null ? [] : [$"--ReverseProxy:Clusters:workers:Destinations:dead:Address={worker}"];
        await using var router = await ServiceProcess.StartAsync(new Projects.Router().ProjectPath, port => ["--port", port, .. destinations]);

        using var response = await router.Client.PostAsJsonAsync("/v1/completions", new { prompt = "hi" });
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        // A dead worker is a 502 until the active health check (every 5 s) takes it out; then there is none: 503.
        Assert.Contains((int)response.StatusCode, worker is null ? new[] { 503 } : new[] { 502, 503 });
        Assert.Equal("service_unavailable_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_worker_serves_the_model_and_port_given_by_flags()
    {
        var model = ModelCache.EnsureRandomModel(modelsRoot, ModelShape.Demo with { Name = "standalone", HiddenSize = 64, IntermediateSize = 128, Layers = 1, Heads = 4, KeyValueHeads = 2 });
        await using var worker = await ServiceProcess.StartAsync(new Projects.GpuWorker().ProjectPath, port => ["--model", model, "--port", port, "--served-model-name", "my-model"]);

        using var models = await worker.Client.GetFromJsonAsync<JsonDocument>("/v1/models");

        var card = Assert.Single(models!.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("my-model", card.GetProperty("id").GetString());
        Assert.Equal(model, card.GetProperty("root").GetString());
    }

    [Theory]
    [InlineData(4194304L, 512)] // 4 MiB / (2 × 1 layer × 32 tokens × 2 KV heads × 16 dims × 4 bytes)
    [InlineData(null, 65536)] // no byte count on a CPU: 512 MiB
    public async Task A_worker_starts_its_engine_with_the_kv_pool_its_flags_ask_for(long? kvCacheMemory, int blocks)
    {
        var model = TinyModel("engine-flags");
        string[] budget = kvCacheMemory is { } bytes ? ["--kv-cache-memory", bytes.ToString(System.Globalization.CultureInfo.InvariantCulture)] : [];
        await using var worker = await ServiceProcess.StartAsync(new Projects.GpuWorker().ProjectPath,
            port => ["--model", model, "--port", port, "--dtype", "float32", "--block-size", "32", .. budget, "--max-model-len", "1024"]);

        using var health = await worker.Client.GetFromJsonAsync<JsonDocument>("/health");
        using var models = await worker.Client.GetFromJsonAsync<JsonDocument>("/v1/models");

        var data = health!.RootElement.GetProperty("checks").GetProperty("model").GetProperty("data");
        Assert.Equal(blocks, data.GetProperty("kv_cache_blocks").GetInt32());
        Assert.Equal("Float32", data.GetProperty("dtype").GetString());
        Assert.Equal(1024, models!.RootElement.GetProperty("data")[0].GetProperty("max_model_len").GetInt32());
    }

    [Theory]
    [InlineData("--dtype", "float16", "float16")]
    [InlineData("--kv-cache-memory", "1048576", "--kv-cache-memory")]
    public async Task A_worker_refuses_engine_settings_it_cannot_honour_at_startup(string flag, string value, string message)
    {
        var (exitCode, output) = await ServiceProcess.RunToExitAsync(new Projects.GpuWorker().ProjectPath, ["--model", TinyModel("engine-refusals"), "--port", "0", flag, value, "--max-model-len", "65536"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(message, output);
    }

    [Fact]
    public async Task A_worker_refuses_request_chat_templates_unless_trusted()
    {
        var model = ModelCache.EnsureRandomModel(modelsRoot, ModelShape.Demo with { Name = "untrusting", HiddenSize = 64, IntermediateSize = 128, Layers = 1, Heads = 4, KeyValueHeads = 2 });
        await using var worker = await ServiceProcess.StartAsync(new Projects.GpuWorker().ProjectPath, port => ["--model", model, "--port", port]);

        using var response = await worker.Client.PostAsJsonAsync("/tokenize", new { messages = new[] { new { role = "user", content = "hi" } }, chat_template = "{{ messages }}" });

        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("--trust-request-chat-template", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_worker_given_a_directory_without_a_model_fails_at_startup_naming_what_is_missing()
    {
        var empty = Directory.CreateDirectory(Path.Combine(modelsRoot, "empty")).FullName;

        var (exitCode, output) = await ServiceProcess.RunToExitAsync(new Projects.GpuWorker().ProjectPath, ["--model", empty, "--port", "0"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("config.json", output);
    }

    [Fact]
    public async Task The_embeddings_service_refuses_a_model_directory_that_does_not_exist()
    {
        var missing = Path.Combine(modelsRoot, "no-such-model");

        var (exitCode, output) = await ServiceProcess.RunToExitAsync(new Projects.Embeddings().ProjectPath, ["--model", missing, "--port", "0"]);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("no-such-model", output);
    }
}
