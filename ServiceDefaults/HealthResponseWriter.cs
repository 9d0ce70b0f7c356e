using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmPlatform.ServiceDefaults;

/// <summary>
/// Writes health reports as JSON with every check's status, description and data, so that an operator (and the
/// end-to-end tests) can see which dependency is down and what a worker serves, not just "Unhealthy".
/// </summary>
internal static class HealthResponseWriter
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            duration_ms = report.TotalDuration.TotalMilliseconds,
            checks = report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new
                {
                    status = entry.Value.Status.ToString(),
                    description = entry.Value.Description ?? entry.Value.Exception?.Message,
                    data = entry.Value.Data.Count == 0 ? null : entry.Value.Data,
                }),
        };
        return JsonSerializer.SerializeAsync(context.Response.Body, body, HealthJson.Options, context.RequestAborted);
    }

    private static class HealthJson
    {
        public static readonly JsonSerializerOptions Options = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
    }
}
