using LlmPlatform.Router;
using LlmPlatform.Router.Fleet;
using LlmPlatform.Router.Routing;
using LlmPlatform.Routing;
using OpenTelemetry.Metrics;
using StackExchange.Redis;
using TokenizerClient = LlmPlatform.Contracts.Tokenizer.Tokenizer.TokenizerClient;

var builder = WebApplication.CreateBuilder(args);
builder.AddServerFlags(args);
builder.AddServiceDefaults();
// The Router's own metrics (routing decisions, latency, retries, the fleet view; and ASP.NET Core's, the runtime's) for
// Prometheus at /metrics/router: OpenTelemetry's names, unlike the workers' vLLM-named families at /metrics.
builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddPrometheusExporter());

// The worker registry and the KV events live in Redis; the Router also proxies without it (static destinations).
var fleet = !string.IsNullOrEmpty(builder.Configuration.GetConnectionString("redis"));
if (fleet)
{
    builder.AddRedisClient("redis", redis => redis.DisableTracing = true,
        options => options.ReconnectRetryPolicy = new LinearRetry((int)FleetKeys.ReconnectInterval.TotalMilliseconds));
    // The fleet's name namespaces its Redis keys; the workers are given the same (FleetKeys).
    builder.Services.AddSingleton(new FleetKeys(builder.Configuration[FleetKeys.NameConfigurationKey]));
    builder.Services.AddSingleton<FleetView>();
    builder.Services.AddHostedService<FleetWatcher>();
    builder.Services.AddOptions<RouterOptions>().BindConfiguration(RouterOptions.Section);
    builder.Services.AddSingleton<RouterMetrics>();
    builder.Services.AddSingleton<PromptTokenCache>();
    builder.Services.AddSingleton<PromptTokens>();
    builder.Services.AddSingleton(TimeProvider.System);
    builder.Services.AddSingleton<InFlight>();
    builder.Services.AddSingleton<FleetRouter>();
    // The Tokenizer service's gRPC endpoint, found by service discovery (the AppHost's reference).
    builder.Services.AddGrpcClient<TokenizerClient>(client => client.Address = new Uri("http://_grpc.tokenizer"));
}

// Field names as the workers and OpenAI spell them.
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
builder.Services.AddSingleton<EmbeddingsForwarder>();

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapFleetMetrics();
app.MapPrometheusScrapingEndpoint("/metrics/router");
// Embeddings go to the Embeddings service in both modes, never to a worker.
app.MapEmbeddings();
if (fleet)
{
    // With Redis, requests go to the fleet the workers registered, chosen by the routing policy.
    app.MapFleet();
    foreach (var pattern in (string[])["/v1/{**rest}", "/tokenize", "/detokenize", "/version"])
    {
        app.Map(pattern, (HttpContext context, FleetRouter router) => router.ForwardAsync(context));
    }
}
else
{
    // Without it, YARP balances over the destinations in configuration.
    app.MapReverseProxy(proxy =>
    {
        // Outermost, so it sees what the load balancer and the forwarder leave behind; then YARP's default pipeline.
        proxy.UseOpenAiProxyErrors();
        proxy.UseSessionAffinity();
        proxy.UseLoadBalancing();
        proxy.UsePassiveHealthChecks();
    });
}
app.Run();
