using System.Diagnostics.Metrics;
using LlmPlatform.Scheduling;

namespace LlmPlatform.Engine.Metrics;

/// <summary>
/// The engine's metrics, the ones vLLM exports (num_requests_running, kv_cache_usage_perc, time_to_first_token_seconds
/// ...), under OpenTelemetry-style names in the meter "LlmPlatform.Engine"; the HTTP side exports them with vLLM's
/// names. Every instrument carries the served model's name. Recorded on the engine thread; gauges read the
/// scheduler's counters, which are single machine words and safe to read from the exporter's thread.
/// </summary>
public sealed class EngineMetrics : IDisposable
{
    public const string MeterName = "LlmPlatform.Engine";

    /// <summary>vLLM's buckets for time to first token (seconds).</summary>
    private static readonly double[] TtftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];

    /// <summary>vLLM's buckets for inter-token latency (seconds).</summary>
    private static readonly double[] ItlBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];

    /// <summary>vLLM's buckets for request-level latencies (seconds).</summary>
    private static readonly double[] RequestBuckets = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0];

    private readonly Meter meter;
    private readonly KeyValuePair<string, object?> model;
    private readonly Counter<long> promptTokens;
    private readonly Counter<long> generationTokens;
    private readonly Histogram<double> timeToFirstToken;
    private readonly Histogram<double> interTokenLatency;
    private readonly Histogram<double> endToEndLatency;
    private readonly Histogram<double> queueTime;

    public EngineMetrics(IMeterFactory meters, string modelName, Scheduler scheduler)
    {
        meter = meters.Create(MeterName);
        model = new KeyValuePair<string, object?>("model_name", modelName);
        meter.CreateObservableGauge("llm.engine.requests.running", () => new Measurement<int>(scheduler.NumRunning, model), "{request}", "Requests in the running batch.");
        meter.CreateObservableGauge("llm.engine.requests.waiting", () => new Measurement<int>(scheduler.NumWaiting, model), "{request}", "Requests waiting to be scheduled.");
        meter.CreateObservableGauge("llm.engine.kv_cache.usage", () => new Measurement<double>(scheduler.BlockManager.Usage, model), "1", "Fraction of KV cache blocks in use (1 = full).");
        meter.CreateObservableCounter("llm.engine.prefix_cache.queries", () => new Measurement<long>(scheduler.BlockManager.PrefixCacheQueriedTokens, model), "{token}", "Prompt tokens looked up in the prefix cache.");
        meter.CreateObservableCounter("llm.engine.prefix_cache.hits", () => new Measurement<long>(scheduler.BlockManager.PrefixCacheHitTokens, model), "{token}", "Prompt tokens served from the prefix cache.");
        meter.CreateObservableCounter("llm.engine.preemptions", () => new Measurement<long>(scheduler.NumPreemptions, model), "{preemption}", "Sequences preempted for lack of KV blocks.");
        promptTokens = meter.CreateCounter<long>("llm.engine.prompt_tokens", "{token}", "Prompt tokens of finished requests.");
        generationTokens = meter.CreateCounter<long>("llm.engine.generation_tokens", "{token}", "Generated tokens.");
        timeToFirstToken = Histogram("llm.engine.time_to_first_token", "Time from arrival to the first generated token.", TtftBuckets);
        interTokenLatency = Histogram("llm.engine.inter_token_latency", "Time between consecutive generated tokens of a request.", ItlBuckets);
        endToEndLatency = Histogram("llm.engine.e2e_request_latency", "Time from arrival to the last token.", RequestBuckets);
        queueTime = Histogram("llm.engine.request_queue_time", "Time from arrival to first being scheduled.", RequestBuckets);
    }

    public void Scheduled(TimeSpan sinceArrival) => queueTime.Record(sinceArrival.TotalSeconds, model);

    public void FirstToken(TimeSpan sinceArrival) => timeToFirstToken.Record(sinceArrival.TotalSeconds, model);

    public void NextToken(TimeSpan sincePreviousToken) => interTokenLatency.Record(sincePreviousToken.TotalSeconds, model);

    public void Generated(int tokens) => generationTokens.Add(tokens, model);

    public void Finished(int promptTokenCount, TimeSpan sinceArrival)
    {
        promptTokens.Add(promptTokenCount, model);
        endToEndLatency.Record(sinceArrival.TotalSeconds, model);
    }

    private Histogram<double> Histogram(string name, string description, double[] buckets) =>
        meter.CreateHistogram(name, "s", description, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = buckets });

    public void Dispose() => meter.Dispose();
}
