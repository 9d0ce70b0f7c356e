namespace LlmPlatform.GpuWorker.Metrics;

/// <summary>
/// One metric family of the exposition, with a series per model. Measurements arrive on the engine thread (counters,
/// histograms) and on the scraping request's thread (observable instruments); each family's lock keeps a series'
/// values consistent with one another (a histogram's buckets, sum and count) while it is written out.
/// </summary>
internal abstract class PrometheusFamily(string name, string help, string type)
{
    protected readonly Lock Gate = new();

    protected string Name => name;

    public abstract void Record(string model, double value);

    /// <summary>Creates the model's series at zero if it has none.</summary>
    public abstract void Touch(string model);

    public void WriteTo(PrometheusTextWriter text)
    {
        text.Header(name, help, type);
        lock (Gate)
        {
            WriteSeries(text);
        }
    }

    protected abstract void WriteSeries(PrometheusTextWriter text);
}

/// <summary>A gauge, or a counter fed either by deltas (<c>Counter&lt;T&gt;</c>) or by cumulative totals (observable counters).</summary>
internal sealed class ScalarFamily : PrometheusFamily
{
    private readonly bool adds;
    private readonly Dictionary<string, double> values = [];

    private ScalarFamily(string name, string help, string type, bool adds)
        : base(name, help, type)
    {
        this.adds = adds;
    }

    public static ScalarFamily Gauge(string name, string help) => new(name, help, "gauge", adds: false);

    /// <summary>
    /// A counter. Prometheus' text format takes the family's name as given, so vLLM's names carry their
    /// <c>_total</c> already. An observable counter reports its running total at every scrape; adding those up would
    /// count everything again on each scrape.
    /// </summary>
    public static ScalarFamily Counter(string name, string help, bool cumulative) => new(name, help, "counter", adds: !cumulative);

    public override void Record(string model, double value)
    {
        lock (Gate)
        {
            values[model] = adds ? values.GetValueOrDefault(model) + value : value;
        }
    }

    public override void Touch(string model)
    {
        lock (Gate)
        {
            values.TryAdd(model, 0);
        }
    }

    protected override void WriteSeries(PrometheusTextWriter text)
    {
        foreach (var (model, value) in values)
        {
            text.Sample(Name, model, value);
        }
    }
}

/// <summary>A histogram with fixed upper bounds (<c>le</c>, inclusive, as Prometheus defines them) and the implicit +Inf bucket.</summary>
internal sealed class HistogramFamily(string name, string help, IReadOnlyList<double> bounds) : PrometheusFamily(name, help, "histogram")
{
    private readonly double[] bounds = [.. bounds];
    private readonly Dictionary<string, Series> series = [];

    public override void Record(string model, double value)
    {
        // The first bound >= value; past the last bound the value counts only in +Inf.
        var bucket = Array.BinarySearch(bounds, value);
        bucket = bucket >= 0 ? bucket : ~bucket;
        lock (Gate)
        {
            var of = SeriesOf(model);
            of.Counts[bucket]++;
            of.Sum += value;
        }
    }

    public override void Touch(string model)
    {
        lock (Gate)
        {
            SeriesOf(model);
        }
    }

    protected override void WriteSeries(PrometheusTextWriter text)
    {
        foreach (var (model, of) in series)
        {
            // Prometheus buckets are cumulative: each counts every observation at or below its bound.
            long cumulative = 0;
            for (var i = 0; i < bounds.Length; i++)
            {
                cumulative += of.Counts[i];
                text.Bucket(Name, model, bounds[i], cumulative);
            }

            cumulative += of.Counts[^1];
            text.Bucket(Name, model, double.PositiveInfinity, cumulative);
            text.Sample(Name + "_count", model, cumulative);
            text.Sample(Name + "_sum", model, of.Sum);
        }
    }

    private Series SeriesOf(string model)
    {
        if (!series.TryGetValue(model, out var of))
        {
            of = new Series(bounds.Length + 1);
            series.Add(model, of);
        }

        return of;
    }

    /// <summary>Observations per bucket (not cumulative; the last is above every bound) and their sum.</summary>
    private sealed class Series(int buckets)
    {
        public long[] Counts { get; } = new long[buckets];

        public double Sum { get; set; }
    }
}
