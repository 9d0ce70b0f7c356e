namespace LlmPlatform.AppHost.Redis;

/// <summary>A <c>redis-server</c> process on a loopback port, offering its address as the connection string.</summary>
public sealed class RedisServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"{Endpoint.Property(EndpointProperty.HostAndPort)}");
}
