using LlmPlatform.Router;
using LlmPlatform.Router.Fleet;

var builder = WebApplication.CreateBuilder(args);
builder.AddServerFlags(args);
builder.AddServiceDefaults();

// The prefix index and worker registry live in Redis; the Router also proxies without it (static destinations).
var fleet = !string.IsNullOrEmpty(builder.Configuration.GetConnectionString("redis"));
if (fleet)
{
    builder.AddRedisClient("redis", redis => redis.DisableTracing = true);
    builder.Services.AddSingleton<FleetView>();
    builder.Services.AddHostedService<FleetWatcher>();
}

// Field names as the workers and OpenAI spell them.
builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower);
builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapFleetMetrics();
if (fleet)
{
    app.MapFleet();
}

app.MapReverseProxy(proxy =>
{
    // Outermost, so it sees what the load balancer and the forwarder leave behind; then YARP's default pipeline.
    proxy.UseOpenAiProxyErrors();
    proxy.UseSessionAffinity();
    proxy.UseLoadBalancing();
    proxy.UsePassiveHealthChecks();
});
app.Run();
