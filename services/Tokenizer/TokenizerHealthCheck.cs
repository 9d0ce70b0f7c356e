using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmPlatform.TokenizerService;

/// <summary>Lists the models whose tokenizers are loaded.</summary>
internal sealed class TokenizerHealthCheck(TokenizerRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(registry.All.Count == 0
            ? HealthCheckResult.Degraded("No model configured under Tokenizer:Models.")
            : HealthCheckResult.Healthy($"{registry.All.Count} model(s)", registry.All.ToDictionary(m => m.Name, m => (object)m.Path)));
}
