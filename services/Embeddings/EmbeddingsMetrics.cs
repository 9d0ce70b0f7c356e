using System.Diagnostics.Metrics;
using LlmPlatform.ServiceDefaults;

namespace LlmPlatform.Embeddings;

/// <summary>
/// What the service does, in the meter "LlmPlatform.Embeddings", every instrument tagged with the served model:
/// requests by outcome, inputs and their tokens, how long requests take and inputs wait, and each batch's size,
/// tokens (padding included), padding and duration, so that the batching settings can be judged from a dashboard.
/// </summary>
public sealed class EmbeddingsMetrics : IDisposable
{
    private static readonly double[] RequestBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
    private static readonly double[] QueueBuckets = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] BatchBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly int[] BatchSizeBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096];
    private static readonly int[] BatchTokenBuckets = [16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536];

    private readonly Meter meter;
    private readonly KeyValuePair<string, object?> model;
    private readonly Counter<long> requests;
    private readonly Counter<long> inputs;
    private readonly Counter<long> inputTokens;
    private readonly Counter<long> paddingTokens;
    private readonly Histogram<double> requestDuration;
    private readonly Histogram<double> queueDuration;
    private readonly Histogram<int> batchSize;
    private readonly Histogram<int> batchTokens;
    private readonly Histogram<double> batchDuration;

    public EmbeddingsMetrics(IMeterFactory meters, IEmbeddingModel served)
    {
        meter = meters.Create(PlatformTelemetry.Embeddings);
        model = new KeyValuePair<string, object?>("model_name", served.Name);
        requests = meter.CreateCounter<long>("llm.embeddings.requests", "{request}", "Embedding requests by outcome: ok, invalid (4xx), failed (5xx) or cancelled (client gone).");
        inputs = meter.CreateCounter<long>("llm.embeddings.inputs", "{input}", "Inputs embedded.");
        inputTokens = meter.CreateCounter<long>("llm.embeddings.input_tokens", "{token}", "Tokens of the inputs embedded, after truncation.");
        paddingTokens = meter.CreateCounter<long>("llm.embeddings.padding_tokens", "{token}", "Padding tokens the model ran so that a batch's inputs had one length.");
        requestDuration = meter.CreateHistogram("llm.embeddings.request.duration", "s", "Time from a valid request's arrival to its vectors.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RequestBuckets });
        queueDuration = meter.CreateHistogram("llm.embeddings.queue.duration", "s", "Time an input waited before its batch ran.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = QueueBuckets });
        batchSize = meter.CreateHistogram("llm.embeddings.batch.size", "{input}", "Inputs in one forward pass.", tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchSizeBuckets });
        batchTokens = meter.CreateHistogram("llm.embeddings.batch.tokens", "{token}", "Tokens in one forward pass, padding included.", tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchTokenBuckets });
        batchDuration = meter.CreateHistogram("llm.embeddings.batch.duration", "s", "Time of one forward pass.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = BatchBuckets });
    }

    /// <summary>Reports the inputs waiting for the model, read when the exporter collects.</summary>
    public void ObserveQueue(Func<int> waiting) =>
        meter.CreateObservableGauge("llm.embeddings.queue.inputs", () => new Measurement<int>(waiting(), model), "{input}", "Inputs waiting for the model.");

    public void Request(string outcome) => requests.Add(1, model, new KeyValuePair<string, object?>("outcome", outcome));

    public void Served(int inputCount, int tokens, TimeSpan took)
    {
        requests.Add(1, model, new KeyValuePair<string, object?>("outcome", "ok"));
        inputs.Add(inputCount, model);
        inputTokens.Add(tokens, model);
        requestDuration.Record(took.TotalSeconds, model);
    }

    public void Waited(TimeSpan queued) => queueDuration.Record(queued.TotalSeconds, model);

    public void Batch(int size, int tokens, int padded, TimeSpan took)
    {
        batchSize.Record(size, model);
        batchTokens.Record(padded, model);
        paddingTokens.Add(padded - tokens, model);
        batchDuration.Record(took.TotalSeconds, model);
    }

    public void Dispose() => meter.Dispose();
}
