using LlmPlatform.Router;

var builder = WebApplication.CreateBuilder(args);
builder.AddServerFlags(args);
builder.AddServiceDefaults();

// The prefix index and worker registry live in Redis; the Router also proxies without it (static destinations).
if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString("redis")))
{
    builder.AddRedisClient("redis", redis => redis.DisableTracing = true);
}

builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

var app = builder.Build();
app.MapDefaultEndpoints();
app.MapFleetMetrics();
app.MapReverseProxy(proxy =>
{
    // Outermost, so it sees what the load balancer and the forwarder leave behind; then YARP's default pipeline.
    proxy.UseOpenAiProxyErrors();
    proxy.UseSessionAffinity();
    proxy.UseLoadBalancing();
    proxy.UsePassiveHealthChecks();
});
app.Run();
