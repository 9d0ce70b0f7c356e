using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmPlatform.GpuWorker;

/// <summary>Ready once the model and engine are up, unhealthy if the engine loop died; reports what is served and the KV pool.</summary>
internal sealed class ServedModelHealthCheck(ServedModel model, EngineHost engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (engine.Failure is { } failure)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"The engine loop failed: {failure.Message}", failure));
        }

        return Task.FromResult(HealthCheckResult.Healthy($"Serving {model.Name}", new Dictionary<string, object>
        {
            ["model"] = model.Name,
            ["architecture"] = model.Directory.Config.Architecture,
            ["path"] = model.Directory.Path,
            ["device"] = model.Device.Device,
            ["max_model_len"] = engine.MaxModelLen,
            ["dtype"] = engine.DType.ToString(),
            ["kv_cache_blocks"] = engine.Blocks,
            ["kv_cache_usage"] = engine.Scheduler.BlockManager.Usage,
        }));
    }
}
