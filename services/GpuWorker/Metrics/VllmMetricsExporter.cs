using System.Diagnostics.Metrics;
using LlmPlatform.Engine.Metrics;

namespace LlmPlatform.GpuWorker.Metrics;

/// <summary>
/// Serves the engine's meter as vLLM's <c>/metrics</c>: the same scrape names (<c>vllm:num_requests_running</c>,
/// <c>vllm:time_to_first_token_seconds</c> ...), types, buckets and <c>model_name</c> label, so that dashboards and
/// alerts written for vLLM work on this worker unchanged.
/// </summary>
/// <remarks>
/// A bridge of its own because neither library at hand can spell those names. OpenTelemetry instrument names may not
/// contain a colon, and its Prometheus exporter derives the scrape name from the instrument name plus unit and
/// <c>_total</c> suffixes. prometheus-net 8 rejects any metric name with a colon
/// (<c>^[a-zA-Z_][a-zA-Z0-9_]*$</c>). OpenTelemetry keeps its own listener on the same meter for OTLP; the two do
/// not interfere.
/// </remarks>
public sealed class VllmMetricsExporter : IDisposable
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private const string ModelLabel = "model_name";

    /// <summary>The engine's instruments and the vLLM families they become, in exposition order.</summary>
    private static readonly VllmName[] Names =
    [
        new("llm.engine.requests.running", "vllm:num_requests_running", "Number of requests in model execution batches.", FamilyKind.Gauge),
        new("llm.engine.requests.waiting", "vllm:num_requests_waiting", "Number of requests waiting to be processed.", FamilyKind.Gauge),
        new("llm.engine.kv_cache.usage", "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", FamilyKind.Gauge),
        new("llm.engine.prefix_cache.queries", "vllm:prefix_cache_queries_total", "Prefix cache queries, in terms of number of queried tokens.", FamilyKind.Counter),
        new("llm.engine.prefix_cache.hits", "vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.", FamilyKind.Counter),
        new("llm.engine.preemptions", "vllm:num_preemptions_total", "Cumulative number of preemption from the engine.", FamilyKind.Counter),
        new("llm.engine.prompt_tokens", "vllm:prompt_tokens_total", "Number of prefill tokens processed.", FamilyKind.Counter),
        new("llm.engine.generation_tokens", "vllm:generation_tokens_total", "Number of generation tokens processed.", FamilyKind.Counter),
        new("llm.engine.time_to_first_token", "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", FamilyKind.Histogram),
        new("llm.engine.inter_token_latency", "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", FamilyKind.Histogram),
        new("llm.engine.e2e_request_latency", "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", FamilyKind.Histogram),
        new("llm.engine.request_queue_time", "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", FamilyKind.Histogram),
    ];

    private readonly IMeterFactory meters;
    private readonly MeterListener listener = new();

    /// <summary>Guards <see cref="families"/> and <see cref="models"/>; taken when an instrument or a model first appears and at scrape.</summary>
    private readonly Lock gate = new();
    private readonly Dictionary<string, PrometheusFamily> families = [];
    private volatile string[] models = [];

    public VllmMetricsExporter(IMeterFactory meters)
    {
        this.meters = meters;
        listener.InstrumentPublished = Publish;
        listener.SetMeasurementEventCallback<int>((_, value, tags, state) => Record(state, tags, value));
        listener.SetMeasurementEventCallback<long>((_, value, tags, state) => Record(state, tags, value));
        listener.SetMeasurementEventCallback<double>((_, value, tags, state) => Record(state, tags, value));
        listener.Start();
    }

    /// <summary>
    /// The exposition as of now. Observable instruments are read here, at scrape time, as Prometheus expects; their
    /// counters report cumulative totals, which replace the previous value rather than add to it.
    /// </summary>
    public string Scrape()
    {
        listener.RecordObservableInstruments();
        var text = new PrometheusTextWriter();
        lock (gate)
        {
            foreach (var name in Names)
            {
                if (families.TryGetValue(name.Instrument, out var family))
                {
                    family.WriteTo(text);
                }
            }
        }

        return text.ToString();
    }

    public void Dispose() => listener.Dispose();

    private void Publish(Instrument instrument, MeterListener source)
    {
        // Only this host's engine: a MeterListener sees every meter in the process, and tests or a second host in
        // the same process create meters of the same name through other factories.
        if (instrument.Meter.Name != EngineMetrics.MeterName || !ReferenceEquals(instrument.Meter.Scope, meters)
            || Array.Find(Names, known => known.Instrument == instrument.Name) is not { } name)
        {
            return;
        }

        PrometheusFamily? family;
        lock (gate)
        {
            if (!families.TryGetValue(name.Instrument, out family))
            {
                family = name.Kind switch
                {
                    FamilyKind.Gauge => ScalarFamily.Gauge(name.Scrape, name.Help),
                    FamilyKind.Counter => ScalarFamily.Counter(name.Scrape, name.Help, cumulative: instrument.IsObservable),
                    _ => new HistogramFamily(name.Scrape, name.Help, BucketsOf(instrument)),
                };
                foreach (var model in models)
                {
                    family.Touch(model);
                }

                families.Add(name.Instrument, family);
            }
        }

        source.EnableMeasurementEvents(instrument, family);
    }

    private void Record(object? state, ReadOnlySpan<KeyValuePair<string, object?>> tags, double value)
    {
        var model = ModelName(tags);
        if (Array.IndexOf(models, model) < 0)
        {
            Introduce(model);
        }

        ((PrometheusFamily)state!).Record(model, value);
    }

    /// <summary>
    /// Gives a model a zero series in every family as soon as any instrument reports it (the gauges do at the first
    /// scrape), as vLLM creates its labelled series at startup: a dashboard then shows 0, not "no data", for a
    /// worker that has served nothing yet.
    /// </summary>
    private void Introduce(string model)
    {
        lock (gate)
        {
            if (Array.IndexOf(models, model) >= 0)
            {
                return;
            }

            foreach (var family in families.Values)
            {
                family.Touch(model);
            }

            models = [.. models, model];
        }
    }

    private static string ModelName(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == ModelLabel)
            {
                return tag.Value?.ToString() ?? "";
            }
        }

        return "";
    }

    /// <summary>The buckets the engine advises for its histogram: one source for both its OTLP export and this one.</summary>
    private static IReadOnlyList<double> BucketsOf(Instrument instrument) =>
        (instrument as Histogram<double>)?.Advice?.HistogramBucketBoundaries
        ?? throw new InvalidOperationException($"Histogram {instrument.Name} gives no bucket boundaries; vLLM's buckets must be set in {nameof(EngineMetrics)}.");

    private enum FamilyKind
    {
        Gauge,
        Counter,
        Histogram,
    }

    private sealed record VllmName(string Instrument, string Scrape, string Help, FamilyKind Kind);
}
