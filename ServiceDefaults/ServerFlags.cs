using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// vLLM-style command-line flags for services that also run on their own (<c>--host</c>, <c>--port</c>, plus each
/// service's own), mapped onto configuration keys so that every flag is also settable through configuration.
/// </summary>
public static class ServerFlags
{
    /// <summary>vLLM's default port, used when neither a flag nor the host (Aspire, ASPNETCORE_URLS) names one.</summary>
    public const int DefaultPort = 8000;

    private static readonly Dictionary<string, string> ServerMappings = new()
    {
        ["--host"] = "Server:Host",
        ["--port"] = "Server:Port",
    };

    public static WebApplicationBuilder AddServerFlags(this WebApplicationBuilder builder, string[] args, IReadOnlyDictionary<string, string>? serviceMappings = null)
    {
        var mappings = new Dictionary<string, string>(ServerMappings);
        foreach (var (flag, key) in serviceMappings ?? new Dictionary<string, string>())
        {
            mappings[flag] = key;
        }

        builder.Configuration.AddCommandLine(args, mappings);

        var configuration = builder.Configuration;
        var port = configuration["Server:Port"];
        var hostNamesEndpoint = !string.IsNullOrEmpty(configuration["urls"]) || !string.IsNullOrEmpty(configuration["http_ports"])
            || !string.IsNullOrEmpty(configuration["HTTP_PORTS"]) || configuration.GetSection("Kestrel:Endpoints").Exists();
        if (port is not null || !hostNamesEndpoint)
        {
            // As vLLM: all interfaces unless --host says otherwise, since workers are reached from other machines.
            var host = configuration["Server:Host"] is { Length: > 0 } configuredHost ? configuredHost : "0.0.0.0";
            builder.WebHost.UseUrls($"http://{host}:{port ?? DefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        return builder;
    }
}
