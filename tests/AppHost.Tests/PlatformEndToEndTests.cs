using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using LlmPlatform.Models.Demo;
using Grpc.Net.Client;
using LlmPlatform.Contracts.Tokenizer;
using StackExchange.Redis;
using TokenizerClient = LlmPlatform.Contracts.Tokenizer.Tokenizer.TokenizerClient;

namespace LlmPlatform.AppHost.Tests;

[Collection(PlatformCollection.Name)]
public sealed class PlatformEndToEndTests(PlatformFixture platform)
{
    [Fact]
    public async Task The_router_lists_the_demo_model_served_by_the_workers()
    {
        using var router = platform.App.CreateHttpClient("router");

        using var models = await router.GetFromJsonAsync<JsonDocument>("/v1/models");

        var root = models!.RootElement;
        Assert.Equal("list", root.GetProperty("object").GetString());
        var card = Assert.Single(root.GetProperty("data").EnumerateArray());
        Assert.Equal(ModelShape.Demo.Name, card.GetProperty("id").GetString());
        Assert.Equal("model", card.GetProperty("object").GetString());
        Assert.Equal(ModelShape.Demo.MaxPositionEmbeddings, card.GetProperty("max_model_len").GetInt32());
    }

    [Theory]
    [InlineData("router")]
    [InlineData("worker-0")]
    [InlineData("worker-1")]
    public async Task Every_service_that_references_redis_reaches_it(string service)
    {
        var redis = await HealthCheckAsync(service, "StackExchange.Redis");

        Assert.Equal("Healthy", redis.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_redis_the_services_share_answers_the_redis_protocol()
    {
        var connectionString = await platform.App.GetConnectionStringAsync("redis");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString!);
        var database = redis.GetDatabase();

        await database.StringSetAsync("llmplatform:test", "ok", TimeSpan.FromSeconds(30));

        Assert.Equal("ok", (string?)await database.StringGetAsync("llmplatform:test"));
    }

    [Theory]
    [InlineData("worker-0")]
    [InlineData("worker-1")]
    public async Task Each_worker_reports_the_model_it_serves_in_its_health(string worker)
    {
        var model = await HealthCheckAsync(worker, "model");

        Assert.Equal("Healthy", model.GetProperty("status").GetString());
        Assert.Equal(ModelShape.Demo.Name, model.GetProperty("data").GetProperty("model").GetString());
        Assert.Equal("LlamaForCausalLM", model.GetProperty("data").GetProperty("architecture").GetString());
    }

    [Fact]
    public async Task The_tokenizer_service_serves_the_demo_models_tokenizer_over_grpc()
    {
        using var channel = GrpcChannel.ForAddress(platform.App.GetEndpoint("tokenizer", "grpc"));
        var client = new TokenizerClient(channel);

        var models = await client.ListModelsAsync(new ListModelsRequest());
        var encoded = await client.EncodeAsync(new EncodeRequest { Model = ModelShape.Demo.Name, Text = "<|im_start|>user" });

        Assert.Equal([ModelShape.Demo.Name], models.Models);
        Assert.Equal(Gpt2TokenizerFiles.IdOf(Gpt2Vocabulary.Instance, ChatMl.ImStart), encoded.Ids[0]);
    }

    [Theory]
    [InlineData("tokenizer")]
    [InlineData("multimodal")]
    [InlineData("embeddings")]
    public async Task Every_other_service_answers_health_and_liveness(string service)
    {
        using var client = platform.App.CreateHttpClient(service);

        using var alive = await client.GetAsync("/alive");
        using var health = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>One named check from a service's JSON health report.</summary>
    private async Task<JsonElement> HealthCheckAsync(string service, string check)
    {
        using var client = platform.App.CreateHttpClient(service);
        using var health = await client.GetFromJsonAsync<JsonDocument>("/health");
        return health!.RootElement.GetProperty("checks").GetProperty(check).Clone();
    }
}
