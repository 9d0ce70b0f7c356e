using LlmPlatform.Models.HuggingFace;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LlmPlatform.Embeddings;

/// <summary>
/// Reports the configured encoder model. The directory is opened (and so checked) at startup; with none configured
/// the service is degraded until the default model (all-MiniLM-L6-v2, prepared from its NuGet package) is built.
/// </summary>
internal sealed class EncoderModelHealthCheck(IOptions<EmbeddingsOptions> options) : IHealthCheck
{
    private readonly ModelDirectory? model = string.IsNullOrWhiteSpace(options.Value.Model) ? null : ModelDirectory.Open(options.Value.Model);

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (model is null)
        {
            return Task.FromResult(HealthCheckResult.Degraded("No embedding model configured (--model)."));
        }

        var name = string.IsNullOrWhiteSpace(options.Value.ServedModelName) ? model.DefaultServedName : options.Value.ServedModelName;
        return Task.FromResult(HealthCheckResult.Healthy($"Configured {name}", new Dictionary<string, object>
        {
            ["model"] = name,
            ["architecture"] = model.Config.Architecture,
            ["path"] = model.Path,
        }));
    }
}
