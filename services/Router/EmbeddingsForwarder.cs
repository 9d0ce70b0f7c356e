using Microsoft.Extensions.ServiceDiscovery.Http;
using Yarp.ReverseProxy.Forwarder;

namespace LlmPlatform.Router;

/// <summary>
/// <c>/v1/embeddings</c> goes to the Embeddings service, never to a worker, with or without Redis: YARP's forwarder
/// sends it to <c>Router:EmbeddingsAddress</c>, by default <c>http://embeddings</c>, a name that service discovery
/// resolves (the AppHost's reference sets it; round-robin when it lists several replicas). The literal path outranks
/// the workers' <c>/v1/{**rest}</c>, in the fleet's endpoints and in YARP's configured routes alike. An Embeddings
/// service that cannot be reached is a 502 (504 when it timed out) in OpenAI's error shape; once its response has
/// started it passes through untouched.
/// </summary>
internal sealed class EmbeddingsForwarder
{
    public const string Path = "/v1/embeddings";
    public const string AddressKey = "Router:EmbeddingsAddress";
    public const string DefaultAddress = "http://embeddings";

    private readonly IHttpForwarder forwarder;
    private readonly HttpMessageInvoker client;

    public EmbeddingsForwarder(IHttpForwarder forwarder, IServiceDiscoveryHttpMessageHandlerFactory discovery, IConfiguration configuration)
    {
        this.forwarder = forwarder;
        Address = configuration[AddressKey] is { Length: > 0 } address ? address : DefaultAddress;
        client = new HttpMessageInvoker(discovery.CreateHandler(ForwarderHandler.Create()));
    }

    public string Address { get; }

    public async Task ForwardAsync(HttpContext context)
    {
        var error = await forwarder.SendAsync(context, Address, client);
        if (error == ForwarderError.None || context.Response.HasStarted)
        {
            return;
        }

        var status = error == ForwarderError.RequestTimedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway;
        await ProxyErrors.WriteAsync(context, status, $"The Embeddings service ({Address}) could not be reached ({error}).");
    }
}

internal static class EmbeddingsForwarderExtensions
{
    public static IEndpointConventionBuilder MapEmbeddings(this IEndpointRouteBuilder app) =>
        app.Map(EmbeddingsForwarder.Path, (HttpContext context, EmbeddingsForwarder embeddings) => embeddings.ForwardAsync(context));
}
