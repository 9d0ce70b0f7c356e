using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Metrics;
using LlmPlatform.Engine.Model;
using LlmPlatform.Engine.Output;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Scheduling;
using LlmPlatform.Tokenizers;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

public sealed class EngineMetricsTests
{
    [Fact]
    public async Task A_request_is_counted_and_timed_with_the_model_name()
    {
        var directory = ReferenceCases.ModelDirectory("llama-gqa");
        using var model = CausalLanguageModel.Load(ModelDirectory.Open(directory), ScalarType.Float32, TestDevice.Compute);
        using var cache = new PagedKvCache(model.Spec.Layers, 16, 16, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, model.Device);
        var scheduler = new Scheduler(new SchedulerOptions(16, maxModelLen: 256), eosTokenIds: []);
        using var meters = new TestMeterFactory();
        using var metrics = new EngineMetrics(meters, "tiny", scheduler);
        using var recorded = new RecordedMeasurements(EngineMetrics.MeterName);
        using (var engine = new LlmEngine(new ModelRunner(model, cache, []), scheduler, HfTokenizer.FromDirectory(directory), [], metrics))
        {
            var reader = engine.Submit(new GenerationRequest("r", [464, 2068, 7586, 21831, 18045], new SamplingParams(temperature: 0, maxTokens: 5, ignoreEos: true), new PrefixHashSeed("tiny", "t")));
            await foreach (var _ in reader.ReadAllAsync(TestContext.Current.CancellationToken))
            {
            }
        }

        recorded.Observe();
        Assert.Equal(5, recorded.Sum("llm.engine.prompt_tokens"));
        Assert.Equal(5, recorded.Sum("llm.engine.generation_tokens"));
        Assert.Equal(1, recorded.Count("llm.engine.time_to_first_token"));
        Assert.Equal(4, recorded.Count("llm.engine.inter_token_latency"));
        Assert.Equal(1, recorded.Count("llm.engine.e2e_request_latency"));
        Assert.Equal(1, recorded.Count("llm.engine.request_queue_time"));
        Assert.Equal(0, recorded.Last("llm.engine.requests.running"));
        Assert.Equal(0, recorded.Last("llm.engine.kv_cache.usage"));
        Assert.Equal(5, recorded.Last("llm.engine.prefix_cache.queries"));
        Assert.All(recorded.Tags, tag => Assert.Equal("tiny", tag));
    }

    private sealed class TestMeterFactory : IMeterFactory
    {
        private readonly List<Meter> meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            meters.Add(meter);
            return meter;
        }

        public void Dispose() => meters.ForEach(m => m.Dispose());
    }

    /// <summary>Every measurement of one meter, through a MeterListener (what an exporter sees).</summary>
    private sealed class RecordedMeasurements : IDisposable
    {
        private readonly MeterListener listener = new();
        private readonly ConcurrentQueue<(string Instrument, double Value, string? Model)> measurements = new();

        public RecordedMeasurements(string meterName)
        {
            listener.InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == meterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            };
            listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
            listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
            listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
            listener.Start();
        }

        public IEnumerable<string?> Tags => measurements.Select(m => m.Model);

        public void Observe() => listener.RecordObservableInstruments();

        public double Sum(string instrument) => measurements.Where(m => m.Instrument == instrument).Sum(m => m.Value);

        public int Count(string instrument) => measurements.Count(m => m.Instrument == instrument);

        public double Last(string instrument) => measurements.Last(m => m.Instrument == instrument).Value;

        public void Dispose() => listener.Dispose();

        private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? model = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "model_name")
                {
                    model = tag.Value as string;
                }
            }

            measurements.Enqueue((instrument.Name, value, model));
        }
    }
}
