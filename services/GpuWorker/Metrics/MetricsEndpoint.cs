namespace LlmPlatform.GpuWorker.Metrics;

/// <summary><c>GET /metrics</c>: the engine's metrics under vLLM's names, for Prometheus to scrape.</summary>
internal static class MetricsEndpoint
{
    public static IEndpointRouteBuilder MapVllmMetrics(this IEndpointRouteBuilder app)
    {
        // Resolved now, not at the first scrape: a MeterListener sees only what is recorded after it starts, and the
        // token counters and latency histograms would otherwise miss every request served before that scrape.
        var exporter = app.ServiceProvider.GetRequiredService<VllmMetricsExporter>();
        app.MapGet("/metrics", () => TypedResults.Text(exporter.Scrape(), VllmMetricsExporter.ContentType));
        return app;
    }
}
