using System.Text.Json;
using LlmPlatform.GpuWorker;
using LlmPlatform.GpuWorker.Api;
using LlmPlatform.GpuWorker.Fleet;
using LlmPlatform.GpuWorker.Metrics;
using LlmPlatform.Routing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

var builder = WebApplication.CreateBuilder(args);
builder.AddServerFlags(args, WorkerOptions.CommandLineFlags);
builder.AddServiceDefaults();

builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton(services => ServedModel.Load(services.GetRequiredService<IOptions<WorkerOptions>>(), services.GetRequiredService<ILogger<ServedModel>>()));
builder.Services.AddSingleton<EngineHost>();
builder.Services.AddSingleton<VllmMetricsExporter>();
builder.Services.AddHealthChecks().AddCheck<ServedModelHealthCheck>("model");
builder.Services.ConfigureHttpJsonOptions(json =>
{
    // OpenAI spells fields in snake_case; the resolver chain takes the naming policy from these options.
    json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
    json.SerializerOptions.TypeInfoResolverChain.Insert(0, WorkerJsonContext.Default);
});

// Redis carries the worker registry and KV events when the worker runs in a fleet; a lone worker needs none.
if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString("redis")))
{
    builder.AddRedisClient("redis", redis => redis.DisableTracing = true,
        options => options.ReconnectRetryPolicy = new LinearRetry((int)FleetKeys.ReconnectInterval.TotalMilliseconds));
    builder.Services.AddOptions<FleetOptions>().BindConfiguration(FleetOptions.Section);
    builder.Services.AddHostedService<FleetPublisher>();
}

var app = builder.Build();

// Load the model and start the engine before listening: a bad path, a missing native library or a KV budget too
// small fails startup, not the first request.
app.Services.GetRequiredService<EngineHost>();

app.MapDefaultEndpoints();
app.MapOpenAiEndpoints();
app.MapTokenizeEndpoints();
app.MapVllmMetrics();
app.Run();
