namespace LlmPlatform.AppHost;

internal static class ResourceBuilderExtensions
{
    /// <summary>
    /// A platform service on an HTTP port of its own. Launch profiles are skipped: replicas of one project would all
    /// claim the profile's port.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddPlatformService<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name, options => options.ExcludeLaunchProfile = true)
            .WithHttpEndpoint()
            .WithHttpHealthCheck("/health");

    /// <summary>
    /// A platform service with a gRPC API: HTTP/1.1 for health on "http", HTTP/2 for gRPC on "grpc" (see
    /// ServiceDefaults' GrpcEndpoints for why a service without TLS needs both).
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddGrpcPlatformService<TProject>(this IDistributedApplicationBuilder builder, string name)
        where TProject : IProjectMetadata, new() =>
        builder.AddProject<TProject>(name, options => options.ExcludeLaunchProfile = true)
            .WithHttpEndpoint(name: "http", env: "Server__HttpPort")
            .WithHttpEndpoint(name: "grpc", env: "Server__GrpcPort")
            .WithHttpHealthCheck("/health");

    /// <summary>Makes <paramref name="worker"/> a destination of the Router's worker cluster (YARP configuration by environment).</summary>
    public static IResourceBuilder<ProjectResource> WithWorker(this IResourceBuilder<ProjectResource> router, IResourceBuilder<ProjectResource> worker) =>
        router.WithEnvironment($"ReverseProxy__Clusters__workers__Destinations__{worker.Resource.Name}__Address", worker.GetEndpoint("http"))
            .WaitFor(worker);
}
