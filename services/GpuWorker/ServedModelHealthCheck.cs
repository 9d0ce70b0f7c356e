using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmPlatform.GpuWorker;

/// <summary>
/// Ready once the model and engine are up; degraded (still serving) after a step failed, with its error; reports what
/// is served and the KV pool.
/// </summary>
internal sealed class ServedModelHealthCheck(ServedModel model, EngineHost engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>
        {
            ["model"] = model.Name,
            ["architecture"] = model.Directory.Config.Architecture,
            ["path"] = model.Directory.Path,
            ["device"] = model.Device.Device,
            ["max_model_len"] = engine.MaxModelLen,
            ["dtype"] = engine.DType.ToString(),
            ["kv_cache_blocks"] = engine.Blocks,
            ["kv_cache_usage"] = engine.Scheduler.BlockManager.Usage,
        };
        return Task.FromResult(engine.LastStepFailure is { } failure
            ? HealthCheckResult.Degraded($"Serving {model.Name}; a step failed last with: {failure.Message}", failure, data)
            : HealthCheckResult.Healthy($"Serving {model.Name}", data));
    }
}
