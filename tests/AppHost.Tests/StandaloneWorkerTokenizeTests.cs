using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LlmPlatform.Models.Demo;
using LlmPlatform.Tokenizers;

namespace LlmPlatform.AppHost.Tests;

/// <summary>A lone worker (real process, real HTTP) trusting request chat templates, with a tiny demo-shaped model.</summary>
public sealed class StandaloneWorkerFixture : IAsyncLifetime
{
    private readonly string root = Directory.CreateTempSubdirectory("llmplatform-worker-").FullName;
    private ServiceProcess? worker;

    public string ModelPath { get; private set; } = "";

    public HttpClient Client => worker!.Client;

    public async Task InitializeAsync()
    {
        ModelPath = ModelCache.EnsureRandomModel(root, ModelShape.Demo with { Name = "tiny-chat", HiddenSize = 64, IntermediateSize = 128, Layers = 1, Heads = 4, KeyValueHeads = 2 });
        worker = await ServiceProcess.StartAsync(new Projects.GpuWorker().ProjectPath, port => ["--model", ModelPath, "--port", port, "--trust-request-chat-template", "true"]);
    }

    public async Task DisposeAsync()
    {
        if (worker is not null)
        {
            await worker.DisposeAsync();
        }

        Directory.Delete(root, recursive: true);
    }
}

public sealed class StandaloneWorkerTokenizeTests(StandaloneWorkerFixture worker) : IClassFixture<StandaloneWorkerFixture>
{
    private const string Messages = """[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi 👋"}]""";

    [Fact]
    public async Task Tokenize_a_prompt_gives_the_tokenizer_librarys_ids()
    {
        using var response = await Post("/tokenize", """{"model": "tiny-chat", "prompt": "Hello <|im_start|> world", "return_token_strs": true}""");
        using var body = await Json(response);

        var expected = HfTokenizer.FromDirectory(worker.ModelPath).Encode("Hello <|im_start|> world");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, body.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal(expected.Length, body.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(expected.Select(id => HfTokenizer.FromDirectory(worker.ModelPath).IdToToken(id)), body.RootElement.GetProperty("token_strs").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains("<|im_start|>", body.RootElement.GetProperty("token_strs").EnumerateArray().Select(t => t.GetString()));
    }

    [Fact]
    public async Task Tokenize_messages_renders_the_chat_template_first()
    {
        using var response = await Post("/tokenize", $$"""{"messages": {{Messages}}, "add_generation_prompt": true}""");
        using var body = await Json(response);

        var prompt = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi 👋<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal(HfTokenizer.FromDirectory(worker.ModelPath).Encode(prompt, addSpecialTokens: false), body.RootElement.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()));
    }

    [Fact]
    public async Task Detokenize_returns_the_text()
    {
        var ids = HfTokenizer.FromDirectory(worker.ModelPath).Encode("Round trip ✓");

        using var response = await Post("/detokenize", JsonSerializer.Serialize(new { model = "tiny-chat", tokens = ids }));
        using var body = await Json(response);

        Assert.Equal("Round trip ✓", body.RootElement.GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task A_template_that_raises_is_a_400_carrying_the_templates_message()
    {
        var request = JsonSerializer.Serialize(new { messages = JsonDocument.Parse(Messages).RootElement, chat_template = "{{ raise_exception('System role not supported') }}" });

        using var response = await Post("/tokenize", request);

        await AssertOpenAiError(response, HttpStatusCode.BadRequest, "System role not supported", "invalid_request_error");
    }

    [Fact]
    public async Task An_unknown_model_is_a_404_in_openai_shape()
    {
        using var response = await Post("/tokenize", """{"model": "gpt-4o", "prompt": "hi"}""");

        var error = await AssertOpenAiError(response, HttpStatusCode.NotFound, "The model `gpt-4o` does not exist.", "invalid_request_error");
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/tokenize", "{\"prompt\": ", "not valid JSON")]
    [InlineData("/tokenize", "{\"prompt\": 42}", "Invalid type for 'prompt': expected a string")]
    [InlineData("/tokenize", "{\"model\": \"tiny-chat\"}", "exactly one of 'prompt' and 'messages'")]
    [InlineData("/detokenize", "{\"tokens\": [1, 99999999]}", "99999999 is out of range")]
    [InlineData("/detokenize", "{}", "'tokens' is required")]
    public async Task Bad_requests_are_400s_that_say_what_is_wrong(string path, string body, string message)
    {
        using var response = await Post(path, body);

        var error = await AssertOpenAiError(response, HttpStatusCode.BadRequest, null, "invalid_request_error");
        Assert.Contains(message, error.GetProperty("message").GetString());
    }

    private async Task<HttpResponseMessage> Post(string path, string json) =>
        await worker.Client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<JsonDocument> Json(HttpResponseMessage response) => JsonDocument.Parse(await response.Content.ReadAsStringAsync());

    private static async Task<JsonElement> AssertOpenAiError(HttpResponseMessage response, HttpStatusCode status, string? message, string type)
    {
        Assert.Equal(status, response.StatusCode);
        using var body = await Json(response);
        var error = body.RootElement.GetProperty("error");
        if (message is not null)
        {
            Assert.Equal(message, error.GetProperty("message").GetString());
        }

        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.True(error.TryGetProperty("param", out _));
        Assert.True(error.TryGetProperty("code", out _));
        return error.Clone();
    }
}
