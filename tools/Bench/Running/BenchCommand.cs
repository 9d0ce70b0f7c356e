using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using LlmPlatform.Bench.Client;
using LlmPlatform.Bench.Platform;
using LlmPlatform.Bench.Reporting;
using LlmPlatform.Bench.Results;
using LlmPlatform.Bench.Statistics;
using LlmPlatform.Bench.Workloads;

namespace LlmPlatform.Bench.Running;

/// <summary>
/// One invocation: for each configuration, start its server if asked, build the seeded workload from the server's own
/// tokenizer, warm up, run, and summarize; then write the JSON result, the markdown report and the plots, and print
/// the summary with ratios against the first configuration.
/// </summary>
public static class BenchCommand
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    /// <summary>Made-up words tokenized once for the prompt pool: some 100k tokens, far more than any prompt.</summary>
    private const int CorpusWords = 40_000;

    public static async Task<(IReadOnlyList<BenchResult> Results, string ResultFile)> RunAsync(BenchOptions options, TextWriter console, CancellationToken cancellation)
    {
        var endpoint = options.Workload.Kind == "sessions" ? "chat" : options.Endpoint;
        var results = new List<BenchResult>();
        foreach (var configuration in options.Configurations)
        {
            console.WriteLine($"== {configuration.Name} {configuration.Describe()}");
            await using var server = await StartAsync(options, configuration, cancellation);
            var baseUrl = server?.BaseUrl ?? new Uri(options.BaseUrl);
            using var http = new HttpClient { BaseAddress = baseUrl, Timeout = Timeout.InfiniteTimeSpan };
            var model = options.Model ?? await FirstModelAsync(http, cancellation);
            var client = new OpenAiClient(http, endpoint, model, configuration.Headers, configuration.Body);

            var pool = await TokenPool.BuildAsync(client, options.Seed, CorpusWords, cancellation);
            var conversations = WorkloadBuilder.Build(options.Workload, pool, options.NumPrompts, options.Seed);
            var warmup = WorkloadBuilder.Build(new WorkloadOptions { InputLength = 32, OutputLength = 4 }, pool, options.WarmupRequests, options.Seed + 1);
            var limits = new RunLimits(options.RequestRate, options.Burstiness, options.MaxConcurrency, options.DurationSeconds, options.Seed);
            await new BenchmarkRunner(client, limits with { RequestRate = double.PositiveInfinity, DurationSeconds = null }).RunAsync(warmup, cancellation);

            var (requests, duration) = await new BenchmarkRunner(client, limits, new ProgressLine(console)).RunAsync(conversations, cancellation);
            var settings = new BenchSettings(baseUrl.ToString(), endpoint, model, options.Workload.Kind, options.Seed, options.RequestRate, options.Burstiness,
                options.MaxConcurrency, options.NumPrompts, options.DurationSeconds, options.WarmupRequests, options.Goodput, options.Workload.Describe(),
                configuration.Describe());
            results.Add(Summaries.Result(configuration.Name, settings, requests, duration) with
            {
                IdealPrefixCacheHitRate = await IdealHitRateAsync(client, requests, options.BlockSize, cancellation),
            });
            console.WriteLine();
        }

        var file = await WriteAsync(options, results, console, cancellation);
        return (results, file);
    }

    /// <summary>The ideal hit rate of the successful requests, from the server's own tokenization of what was sent; null if it cannot tokenize.</summary>
    private static async Task<double?> IdealHitRateAsync(OpenAiClient client, IReadOnlyList<RequestRecord> requests, int blockSize, CancellationToken cancellation)
    {
        var prompts = new List<PromptAt>();
        foreach (var request in requests.Where(r => r.Success && r.Prompt is not null))
        {
            if (await client.PromptIdsAsync(request.Prompt!, cancellation) is not { } ids)
            {
                return null;
            }

            prompts.Add(new PromptAt(request.Prompt!.Model, request.SentAt, request.SentAt + request.Ttft, ids));
        }

        return IdealPrefixCache.HitRate(prompts, blockSize);
    }

    private static async Task<LaunchedServer?> StartAsync(BenchOptions options, BenchConfiguration configuration, CancellationToken cancellation) => options.Start switch
    {
        "none" => null,
        "worker" => await LaunchedServer.StartWorkerAsync(LaunchedServer.FindRepository(), [.. options.ServerArguments, .. configuration.ServerArguments],
            options.ServerBuildConfiguration, options.BuildServer, cancellation),
        "platform" => await LaunchedServer.StartPlatformAsync(LaunchedServer.FindRepository(), [.. options.ServerArguments, .. configuration.ServerArguments],
            options.ServerBuildConfiguration, options.BuildServer, cancellation),
        _ => throw new ArgumentException($"--start must be none, worker or platform, not '{options.Start}'."),
    };

    private static async Task<string> FirstModelAsync(HttpClient http, CancellationToken cancellation)
    {
        var models = await http.GetFromJsonAsync<JsonElement>("/v1/models", cancellation);
        return models.GetProperty("data")[0].GetProperty("id").GetString()!;
    }

    /// <summary>
    /// A folder per invocation, named for when and what: result.json (every setting and request), report.md (the
    /// summary and the ratios, also printed) and the plots it links.
    /// </summary>
    private static async Task<string> WriteAsync(BenchOptions options, IReadOnlyList<BenchResult> results, TextWriter console, CancellationToken cancellation)
    {
        var directory = Path.Combine(options.ResultDirectory,
            $"{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}-{options.Workload.Kind}-{string.Join("-vs-", results.Select(r => r.Name))}");
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, "result.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(results, Json), cancellation);
        var plots = options.Plots ? PlotWriter.Write(results, directory) : [];
        var report = MarkdownReport.Render(results, plots);
        await File.WriteAllTextAsync(Path.Combine(directory, "report.md"), report, cancellation);
        console.WriteLine(report);
        console.WriteLine($"Results: {directory}");
        return file;
    }
}
