using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LlmPlatform.GpuWorker;

/// <summary>Ready once the model is loaded; reports what is served so that /health says which model a worker has.</summary>
internal sealed class ServedModelHealthCheck(ServedModel model, EngineHost engine) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(HealthCheckResult.Healthy($"Serving {model.Name}", new Dictionary<string, object>
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
