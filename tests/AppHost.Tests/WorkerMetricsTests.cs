using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LlmPlatform.AppHost.Tests;

/// <summary>A lone worker's <c>GET /metrics</c>, read as Prometheus and vLLM dashboards read it.</summary>
public sealed partial class WorkerMetricsTests(StandaloneWorkerFixture worker) : IClassFixture<StandaloneWorkerFixture>
{
    private const string Model = "tiny-chat";

    /// <summary>vLLM's scrape names and types: what dashboards built for vLLM query.</summary>
    public static TheoryData<string, string> Families => new()
    {
        { "vllm:num_requests_running", "gauge" },
        { "vllm:num_requests_waiting", "gauge" },
        { "vllm:kv_cache_usage_perc", "gauge" },
        { "vllm:prefix_cache_queries_total", "counter" },
        { "vllm:prefix_cache_hits_total", "counter" },
        { "vllm:num_preemptions_total", "counter" },
        { "vllm:prompt_tokens_total", "counter" },
        { "vllm:generation_tokens_total", "counter" },
        { "vllm:time_to_first_token_seconds", "histogram" },
        { "vllm:inter_token_latency_seconds", "histogram" },
        { "vllm:e2e_request_latency_seconds", "histogram" },
        { "vllm:request_queue_time_seconds", "histogram" },
    };

    /// <summary>vLLM's bucket boundaries, written as vLLM's /metrics writes them.</summary>
    public static TheoryData<string, string[]> Buckets => new()
    {
        { "vllm:time_to_first_token_seconds", ["0.001", "0.005", "0.01", "0.02", "0.04", "0.06", "0.08", "0.1", "0.25", "0.5", "0.75", "1.0", "2.5", "5.0", "7.5", "10.0", "20.0", "40.0", "80.0", "160.0", "640.0", "2560.0"] },
        { "vllm:inter_token_latency_seconds", ["0.01", "0.025", "0.05", "0.075", "0.1", "0.15", "0.2", "0.3", "0.4", "0.5", "0.75", "1.0", "2.5", "5.0", "7.5", "10.0", "20.0", "40.0", "80.0"] },
        { "vllm:e2e_request_latency_seconds", RequestBuckets },
        { "vllm:request_queue_time_seconds", RequestBuckets },
    };

    private static string[] RequestBuckets => ["0.3", "0.5", "0.8", "1.0", "1.5", "2.0", "2.5", "5.0", "10.0", "15.0", "20.0", "30.0", "40.0", "50.0", "60.0", "120.0", "240.0", "480.0", "960.0", "1920.0", "7680.0"];

    [Fact]
    public async Task Metrics_are_prometheus_text_format_0_0_4()
    {
        using var response = await worker.Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var contentType = response.Content.Headers.ContentType!;
        Assert.Equal("text/plain", contentType.MediaType);
        Assert.Contains(contentType.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
    }

    [Theory]
    [MemberData(nameof(Families))]
    public async Task Each_vllm_family_is_typed_and_has_a_series_for_the_served_model(string name, string type)
    {
        var exposition = await Scrape();

        Assert.Contains($"# TYPE {name} {type}", exposition.Lines);
        var sampleNames = type == "histogram" ? new[] { name + "_bucket", name + "_count", name + "_sum" } : [name];
        foreach (var sample in sampleNames)
        {
            Assert.Contains(exposition.Samples, s => s.Name == sample && s.Labels.GetValueOrDefault("model_name") == Model);
        }
    }

    [Theory]
    [MemberData(nameof(Buckets))]
    public async Task Histogram_buckets_are_vllms_and_cumulative_up_to_inf(string name, string[] bounds)
    {
        var exposition = await Scrape();

        var buckets = exposition.Samples.Where(s => s.Name == name + "_bucket" && s.Labels["model_name"] == Model).ToList();
        Assert.Equal(bounds.Append("+Inf"), buckets.Select(b => b.Labels["le"]));
        Assert.Equal(buckets.Select(b => b.Value).Order(), buckets.Select(b => b.Value));
        Assert.Equal(exposition.Value(name + "_count"), buckets[^1].Value);
    }

    [Fact]
    public async Task Nothing_outside_vllms_families_is_exposed()
    {
        var exposition = await Scrape();

        var families = Families.Select(row => (Name: (string)row[0], Type: (string)row[1])).ToList();
        var typed = exposition.Lines.Where(line => line.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(line => line.Split(' ')[2]);
        Assert.Equal(families.Select(family => family.Name).Order(), typed.Order());
        var sampleNames = families.SelectMany(family => family.Type == "histogram" ? [family.Name + "_bucket", family.Name + "_count", family.Name + "_sum"] : new[] { family.Name }).ToHashSet();
        Assert.All(exposition.Samples, sample => Assert.Contains(sample.Name, sampleNames));
    }

    [Fact]
    public async Task An_idle_worker_reports_no_requests_and_a_kv_cache_usage_fraction()
    {
        var exposition = await Scrape();

        Assert.Equal(0, exposition.Value("vllm:num_requests_running"));
        Assert.Equal(0, exposition.Value("vllm:num_requests_waiting"));
        Assert.InRange(exposition.Value("vllm:kv_cache_usage_perc"), 0, 1);
    }

    [Fact]
    public async Task A_completion_moves_the_counters_and_histograms_by_its_usage()
    {
        var before = await Scrape();

        using var response = await worker.Client.PostAsync("/v1/completions", new StringContent(
            $$"""{"model": "{{Model}}", "prompt": "Count the tokens of this prompt", "max_tokens": 5, "ignore_eos": true}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var usage = body.RootElement.GetProperty("usage");
        var after = await Scrape();

        double Delta(string name) => after.Value(name) - before.Value(name);
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32(), Delta("vllm:prompt_tokens_total"));
        Assert.Equal(5, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(5, Delta("vllm:generation_tokens_total"));
        Assert.Equal(1, Delta("vllm:time_to_first_token_seconds_count"));
        Assert.Equal(4, Delta("vllm:inter_token_latency_seconds_count"));
        Assert.Equal(1, Delta("vllm:e2e_request_latency_seconds_count"));
        Assert.Equal(1, Delta("vllm:request_queue_time_seconds_count"));
        Assert.True(Delta("vllm:e2e_request_latency_seconds_sum") > 0);
        Assert.True(Delta("vllm:prefix_cache_queries_total") > 0, "The prompt is looked up in the prefix cache.");
    }

    [Fact]
    public async Task Cumulative_counters_do_not_grow_from_scraping_alone()
    {
        using var response = await worker.Client.PostAsync("/v1/completions", new StringContent(
            $$"""{"model": "{{Model}}", "prompt": "A prompt for the prefix cache", "max_tokens": 1}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var first = await Scrape();
        var second = await Scrape();

        Assert.True(first.Value("vllm:prefix_cache_queries_total") > 0);
        foreach (var counter in (string[])["vllm:prefix_cache_queries_total", "vllm:prefix_cache_hits_total", "vllm:num_preemptions_total", "vllm:prompt_tokens_total", "vllm:generation_tokens_total"])
        {
            Assert.Equal(first.Value(counter), second.Value(counter));
        }
    }

    private async Task<Exposition> Scrape()
    {
        using var response = await worker.Client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        return Exposition.Parse(await response.Content.ReadAsStringAsync());
    }

    private sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>The exposition's lines and its samples, parsed as Prometheus parses the text format.</summary>
    private sealed record Exposition(IReadOnlyList<string> Lines, IReadOnlyList<Sample> Samples)
    {
        public static Exposition Parse(string text)
        {
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var samples = new List<Sample>();
            foreach (var line in lines.Where(line => !line.StartsWith('#')))
            {
                var match = SampleLine().Match(line);
                Assert.True(match.Success, $"Not a sample line: {line}");
                var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(pair => pair.Groups["name"].Value, pair => pair.Groups["value"].Value);
                samples.Add(new Sample(match.Groups["name"].Value, labels, ParseValue(match.Groups["value"].Value)));
            }

            return new Exposition(lines, samples);
        }

        /// <summary>The served model's value of an unlabelled-but-for-model sample (a gauge, a counter, a histogram's count or sum).</summary>
        public double Value(string name) => Assert.Single(Samples, s => s.Name == name && s.Labels.Count == 1 && s.Labels.GetValueOrDefault("model_name") == Model).Value;

        private static double ParseValue(string value) => value switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ => double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
    }

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(?:[^"\\]|\\.)*)",?""")]
    private static partial Regex LabelPair();
}
