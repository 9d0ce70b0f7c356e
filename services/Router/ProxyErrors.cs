using System.Text.Json;
using Yarp.ReverseProxy.Forwarder;

namespace LlmPlatform.Router;

/// <summary>
/// The Router's own failures in OpenAI's error shape, so clients parse them like any other API error: no worker to
/// send to (503), or the chosen worker unreachable or failing before its response began (502, 504). YARP answers
/// these with an empty body. Once a worker's response has started it passes through untouched, errors included.
/// </summary>
internal static class ProxyErrors
{
    public static void UseOpenAiProxyErrors(this IReverseProxyApplicationBuilder proxy) => proxy.Use(async (context, next) =>
    {
        await next();
        if (context.Response.HasStarted)
        {
            return;
        }

        // YARP has already chosen the status (503 no destination, 502 unreachable, 504 timed out); only the body is missing.
        var forwarding = context.Features.Get<IForwarderErrorFeature>();
        if (forwarding is null && context.Response.StatusCode != StatusCodes.Status503ServiceUnavailable)
        {
            return;
        }

        var message = forwarding is null || forwarding.Error == ForwarderError.NoAvailableDestinations
            ? "No worker is available to serve the request; try again shortly."
            : $"The worker could not be reached ({forwarding.Error}).";
        await WriteAsync(context, context.Response.StatusCode, message);
    });

    /// <summary>An OpenAI error body with <paramref name="status"/>, for responses that have not started.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string message, string type = "service_unavailable_error")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["error"] = new Dictionary<string, object?> { ["message"] = message, ["type"] = type, ["param"] = null, ["code"] = null },
        }));
    }
}
