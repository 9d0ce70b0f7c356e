using LlmPlatform.Embeddings.Batching;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmPlatform.Embeddings;

/// <summary>
/// Ready once the model is loaded (the service loads it before it listens), unhealthy if the batcher's loop died;
/// reports what is served.
/// </summary>
internal sealed class EncoderModelHealthCheck(ServedEncoder model, EmbeddingBatcher batcher) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (batcher.Failure is { } failure)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The batcher's loop failed: {failure.Message}", failure));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"Serving {model.Name}", new Dictionary<string, object>
        {
            ["model"] = model.Name,
            ["path"] = model.Path,
            ["dimensions"] = model.Dimensions,
            ["max_length"] = model.MaxLength,
            ["normalizes"] = model.Normalizes,
            ["pooling"] = model.Pooling,
        }));
    }
}
