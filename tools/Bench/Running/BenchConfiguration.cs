using System.Text.Json.Nodes;

namespace LlmPlatform.Bench.Running;

/// <summary>
/// One of the configurations a compare run measures against the same seeded workload. Written on the command line
/// as <c>NAME[;server=FLAGS][;header=NAME:VALUE][;body=JSON]</c>: <c>server</c> flags go to the server the tool
/// starts for this configuration (e.g. <c>--max-num-seqs 1</c>), headers and body fields go on every request
/// (e.g. a routing policy chosen per request).
/// </summary>
public sealed record BenchConfiguration(string Name, IReadOnlyList<string> ServerArguments, IReadOnlyDictionary<string, string> Headers, JsonObject? Body)
{
    public static BenchConfiguration Default { get; } = new("default", [], new Dictionary<string, string>(), null);

    public static BenchConfiguration Parse(string text)
    {
        var parts = text.Split(';');
        var name = parts[0].Trim();
        if (name.Length == 0)
        {
            throw new ArgumentException($"Configuration '{text}' has no name.");
        }

        var server = new List<string>();
        var headers = new Dictionary<string, string>();
        JsonObject? body = null;
        foreach (var part in parts.Skip(1))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var (key, value) = equals < 0 ? (part, "") : (part[..equals].Trim(), part[(equals + 1)..].Trim());
            switch (key)
            {
                case "server":
                    server.AddRange(value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
                    break;
                case "header" when value.IndexOf(':', StringComparison.Ordinal) is > 0 and var colon:
                    headers[value[..colon].Trim()] = value[(colon + 1)..].Trim();
                    break;
                case "body":
                    body = JsonNode.Parse(value) as JsonObject ?? throw new ArgumentException($"The body of configuration '{name}' must be a JSON object.");
                    break;
                default:
                    throw new ArgumentException($"'{part}' in configuration '{name}' is not server=…, header=NAME:VALUE or body=JSON.");
            }
        }

        return new BenchConfiguration(name, server, headers, body);
    }

    public string Describe() => string.Join("; ", new[]
    {
        ServerArguments.Count > 0 ? $"server: {string.Join(' ', ServerArguments)}" : null,
        Headers.Count > 0 ? $"headers: {string.Join(", ", Headers.Select(h => $"{h.Key}: {h.Value}"))}" : null,
        Body is not null ? $"body: {Body.ToJsonString()}" : null,
    }.OfType<string>());
}
