using Microsoft.Extensions.DependencyInjection;

namespace LlmPlatform.AppHost.Redis;

public static class PlatformRedisExtensions
{
    /// <summary>
    /// Adds the platform's Redis in the given mode; every mode yields a resource with the same connection-string name,
    /// so services reference it the same way wherever it runs.
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddPlatformRedis(this IDistributedApplicationBuilder builder, string name, RedisMode mode)
    {
        switch (mode)
        {
            case RedisMode.Container:
                return builder.AddRedis(name);

            case RedisMode.Server:
            {
                var port = HostProbes.FreeLoopbackPort();
                var workingDirectory = Directory.CreateTempSubdirectory("llmplatform-redis-").FullName;
                builder.Services.AddHealthChecks().AddRedis($"127.0.0.1:{port}", name: $"{name}-ping");
                return builder.AddResource(new RedisServerResource(name, "redis-server", workingDirectory))
                    .WithEndpoint(port: port, targetPort: port, scheme: "tcp", name: RedisServerResource.EndpointName, isProxied: false)
                    // No snapshots or append-only file: the index is rebuilt from the workers' snapshots on restart.
                    .WithArgs("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
                    .WithHealthCheck($"{name}-ping");
            }

            case RedisMode.Embedded:
            {
                var port = HostProbes.FreeLoopbackPort();
                // Started now, not with the host, so that it answers before any service is launched.
                var garnet = EmbeddedGarnet.Start(port);
                builder.Services.AddHostedService(_ => garnet);
                return builder.AddConnectionString(name, ReferenceExpression.Create($"127.0.0.1:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
            }

            case RedisMode.External:
                return builder.AddConnectionString(name);

            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "Resolve Auto with RedisModeSelector first.");
        }
    }
}
