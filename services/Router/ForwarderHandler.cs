using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

namespace LlmPlatform.Router;

/// <summary>The handler under the Router's own forwarding clients (to the workers, to the Embeddings service).</summary>
internal static class ForwarderHandler
{
    /// <summary>As YARP configures its own clients: no proxy, redirects, decompression or cookies; trace context propagated.</summary>
    public static SocketsHttpHandler Create() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };
}
