using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// gRPC without TLS needs HTTP/2 with prior knowledge, which Kestrel cannot offer on an endpoint that also speaks
/// HTTP/1.1 (there is no TLS handshake to negotiate the protocol). A service with a gRPC API therefore listens twice:
/// HTTP/1.1 on <c>Server:HttpPort</c> for /health, /alive and plain HTTP, HTTP/2 on <c>Server:GrpcPort</c> for gRPC.
/// </summary>
public static class GrpcEndpoints
{
    public static WebApplicationBuilder ListenForHttpAndGrpc(this WebApplicationBuilder builder, int defaultHttpPort, int defaultGrpcPort)
    {
        var configuration = builder.Configuration;
        var httpPort = configuration.GetValue("Server:HttpPort", defaultHttpPort);
        var grpcPort = configuration.GetValue("Server:GrpcPort", defaultGrpcPort);
        var address = configuration["Server:Host"] is { Length: > 0 } host ? IPAddress.Parse(host) : IPAddress.Any;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, httpPort, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(address, grpcPort, listen => listen.Protocols = HttpProtocols.Http2);
        });
        return builder;
    }
}
