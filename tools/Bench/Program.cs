using System.CommandLine;
using System.Globalization;
using LlmPlatform.Bench.Results;
using LlmPlatform.Bench.Running;
using LlmPlatform.Bench.Workloads;

// llmplatform-bench: a serving benchmark for any OpenAI-compatible endpoint, measured as `vllm bench serve` measures
// (docs/benchmarks.md, "Serving benchmark"). Usage: dotnet run -c Release --project tools/Bench -- [options]
var baseUrl = new Option<string>("--base-url") { Description = "The server to drive (ours: the Router, or one worker).", DefaultValueFactory = _ => "http://127.0.0.1:8000" };
var endpoint = new Option<string>("--endpoint") { Description = "completions (prompts as token ids, exact lengths) or chat.", DefaultValueFactory = _ => "completions" };
var model = new Option<string?>("--model") { Description = "The model field; default: the first of /v1/models." };
var workload = new Option<string>("--workload") { Description = "random, prefix (shared prefixes) or sessions (multi-tenant chat).", DefaultValueFactory = _ => "random" };
var inputLen = new Option<int>("--input-len") { DefaultValueFactory = _ => 256 };
var outputLen = new Option<int>("--output-len") { DefaultValueFactory = _ => 128 };
var rangeRatio = new Option<double>("--range-ratio") { Description = "random: lengths uniform in len × [1 - r, 1 + r].", DefaultValueFactory = _ => 0 };
var numPrefixes = new Option<int>("--num-prefixes") { DefaultValueFactory = _ => 4 };
var prefixLen = new Option<int>("--prefix-len") { DefaultValueFactory = _ => 512 };
var suffixLen = new Option<int>("--suffix-len") { DefaultValueFactory = _ => 64 };
var tenants = new Option<int>("--tenants") { DefaultValueFactory = _ => 4 };
var sessionsPerTenant = new Option<int>("--sessions-per-tenant") { DefaultValueFactory = _ => 2 };
var turns = new Option<int>("--turns") { DefaultValueFactory = _ => 4 };
var systemLen = new Option<int>("--system-len") { DefaultValueFactory = _ => 1024 };
var userLen = new Option<int>("--user-len") { DefaultValueFactory = _ => 64 };
var loraMix = new Option<string?>("--lora-mix") { Description = "Share of requests per adapter, e.g. sql=0.3,chat=0.2; the rest use --model." };
var numPrompts = new Option<int>("--num-prompts") { Description = "Conversations to send (random and prefix: requests).", DefaultValueFactory = _ => 100 };
var duration = new Option<double?>("--duration") { Description = "Stop sending after this many seconds." };
var requestRate = new Option<double>("--request-rate") { Description = "Requests per second (inf: all at once).", DefaultValueFactory = _ => double.PositiveInfinity };
var burstiness = new Option<double>("--burstiness") { Description = "Gamma shape of arrival gaps: 1 Poisson, < 1 burstier.", DefaultValueFactory = _ => 1.0 };
var maxConcurrency = new Option<int?>("--max-concurrency") { Description = "Most requests in flight at once." };
var warmup = new Option<int>("--warmup") { Description = "Short requests sent and discarded before measuring.", DefaultValueFactory = _ => 2 };
var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 0 };
var goodput = new Option<string?>("--goodput") { Description = "Limits in ms for goodput, e.g. ttft:500,tpot:50,e2e:10000." };
var configs = new Option<string[]>("--config") { Description = "Compare: NAME[;server=FLAGS][;header=NAME:VALUE][;body=JSON], repeated.", AllowMultipleArgumentsPerToken = false };
var start = new Option<string>("--start") { Description = "none, worker (one per configuration) or platform (the AppHost).", DefaultValueFactory = _ => "none" };
var serverArgs = new Option<string?>("--server-args") { Description = "Flags for every started server, e.g. \"--model /models/x\"." };
var serverBuild = new Option<string>("--server-configuration") { Description = "Build configuration of started servers.", DefaultValueFactory = _ => "Release" };
var noServerBuild = new Option<bool>("--no-server-build") { Description = "Run started servers without building them first." };
var resultDir = new Option<string>("--result-dir") { DefaultValueFactory = _ => "bench-results" };
var noPlots = new Option<bool>("--no-plots") { Description = "Skip the PNG plots." };
var blockSize = new Option<int>("--block-size") { Description = "The servers' KV block size, for the ideal prefix-cache hit rate.", DefaultValueFactory = _ => 16 };

var root = new RootCommand("Serving benchmark for OpenAI-compatible endpoints: TTFT, TPOT, ITL, e2e latency, throughput, goodput.")
{
    baseUrl, endpoint, model, workload, inputLen, outputLen, rangeRatio, numPrefixes, prefixLen, suffixLen, tenants, sessionsPerTenant, turns, systemLen, userLen,
    loraMix, numPrompts, duration, requestRate, burstiness, maxConcurrency, warmup, seed, goodput, configs, start, serverArgs, serverBuild, noServerBuild, resultDir, noPlots, blockSize,
};
root.SetAction(async (parse, cancellation) =>
{
    var options = new BenchOptions
    {
        BaseUrl = parse.GetValue(baseUrl)!,
        Endpoint = parse.GetValue(endpoint)!,
        Model = parse.GetValue(model),
        Workload = new WorkloadOptions
        {
            Kind = parse.GetValue(workload)!,
            InputLength = parse.GetValue(inputLen),
            OutputLength = parse.GetValue(outputLen),
            RangeRatio = parse.GetValue(rangeRatio),
            NumPrefixes = parse.GetValue(numPrefixes),
            PrefixLength = parse.GetValue(prefixLen),
            SuffixLength = parse.GetValue(suffixLen),
            Tenants = parse.GetValue(tenants),
            SessionsPerTenant = parse.GetValue(sessionsPerTenant),
            Turns = parse.GetValue(turns),
            SystemLength = parse.GetValue(systemLen),
            UserLength = parse.GetValue(userLen),
            LoraMix = Pairs(parse.GetValue(loraMix)).ToDictionary(p => p.Key, p => p.Value),
        },
        NumPrompts = parse.GetValue(numPrompts),
        DurationSeconds = parse.GetValue(duration),
        RequestRate = parse.GetValue(requestRate),
        Burstiness = parse.GetValue(burstiness),
        MaxConcurrency = parse.GetValue(maxConcurrency),
        WarmupRequests = parse.GetValue(warmup),
        Seed = parse.GetValue(seed),
        Goodput = Limits(parse.GetValue(goodput)),
        Configurations = parse.GetValue(configs) is { Length: > 0 } given ? given.Select(BenchConfiguration.Parse).ToList() : [BenchConfiguration.Default],
        Start = parse.GetValue(start)!,
        ServerArguments = (parse.GetValue(serverArgs) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries),
        ServerBuildConfiguration = parse.GetValue(serverBuild)!,
        BuildServer = !parse.GetValue(noServerBuild),
        ResultDirectory = parse.GetValue(resultDir)!,
        Plots = !parse.GetValue(noPlots),
        BlockSize = parse.GetValue(blockSize),
    };
    await BenchCommand.RunAsync(options, Console.Out, cancellation);
    return 0;
});
return await root.Parse(args).InvokeAsync();

static IEnumerable<KeyValuePair<string, double>> Pairs(string? text) =>
    (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split(':', '=')).Select(parts => parts.Length == 2
        ? KeyValuePair.Create(parts[0].Trim(), double.Parse(parts[1], CultureInfo.InvariantCulture))
        : throw new ArgumentException($"'{string.Join('=', parts)}' is not NAME=NUMBER."));

static GoodputLimits? Limits(string? text)
{
    if (string.IsNullOrWhiteSpace(text))
    {
        return null;
    }

    var limits = Pairs(text).ToDictionary(p => p.Key, p => p.Value / 1000);
    var unknown = limits.Keys.Except(["ttft", "tpot", "e2e"]).ToList();
    return unknown.Count > 0
        ? throw new ArgumentException($"Unknown goodput limit(s): {string.Join(", ", unknown)}; use ttft, tpot, e2e (ms).")
        : new GoodputLimits(limits.GetValueOrDefault("ttft") is > 0 and var t ? t : null, limits.GetValueOrDefault("tpot") is > 0 and var p ? p : null,
            limits.GetValueOrDefault("e2e") is > 0 and var e ? e : null);
}
