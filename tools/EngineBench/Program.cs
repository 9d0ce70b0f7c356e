using System.CommandLine;
using LlmPlatform.EngineBench;
using LlmPlatform.Torch;

// Benchmarks of the inference engine (issue #4) on the SmolLM-135M shape with random weights. Each command prints
// markdown tables; docs/benchmarks.md holds the results and the commands that made them.
// Usage: dotnet run -c Release --no-build --project tools/EngineBench -- <decode|throughput|kv|profile|attention> [options]
var seedOption = new Option<int>("--seed") { Description = "Seed of the prompts and lengths.", DefaultValueFactory = _ => 1234 };

var dtypesOption = new Option<string>("--dtypes") { Description = "Comma-separated compute dtypes: bf16, f32.", DefaultValueFactory = _ => "bf16,f32" };
var contextOption = new Option<int>("--context") { Description = "Context length the measured decode steps are centred on.", DefaultValueFactory = _ => 256 };
var stepsOption = new Option<int>("--steps") { Description = "Measured decode steps.", DefaultValueFactory = _ => 64 };
var warmupOption = new Option<int>("--warmup") { Description = "Decode steps of the measured request run before measuring.", DefaultValueFactory = _ => 8 };
var warmupSecondsOption = new Option<double>("--warmup-seconds") { Description = "Seconds a separate short request decodes first, until JIT compilation settles.", DefaultValueFactory = _ => 3 };
var bandwidthOption = new Option<int>("--bandwidth-mib") { Description = "Buffer summed to measure memory read bandwidth.", DefaultValueFactory = _ => 512 };
var pathsOption = new Option<string>("--decode-paths") { Description = "Comma-separated: kernels (the engine's C# CPU decode kernels, its default), libtorch.", DefaultValueFactory = _ => "kernels,libtorch" };
var decode = new Command("decode", "Decode step time at batch 1 against the weight-streaming limit (weight bytes / read bandwidth measured in the same run).")
{
    dtypesOption, pathsOption, contextOption, stepsOption, warmupOption, warmupSecondsOption, bandwidthOption, seedOption,
};
decode.SetAction(parse => Announce(args, () => DecodeBench.Run(
    Split(parse.GetValue(dtypesOption)!), Split(parse.GetValue(pathsOption)!), parse.GetValue(contextOption), parse.GetValue(stepsOption), parse.GetValue(warmupOption),
    parse.GetValue(warmupSecondsOption), parse.GetValue(bandwidthOption) * 1024L * 1024L, parse.GetValue(seedOption))));

var dtypeOption = new Option<string>("--dtype") { Description = "Compute dtype: bf16 or f32.", DefaultValueFactory = _ => "bf16" };
var requestsOption = new Option<int>("--requests") { Description = "Requests generated together.", DefaultValueFactory = _ => 32 };
var promptLengthOption = new Option<int>("--prompt-len") { DefaultValueFactory = _ => 32 };
var outputLengthOption = new Option<int>("--output-len") { DefaultValueFactory = _ => 64 };
var maxNumSeqsOption = new Option<int>("--max-num-seqs") { DefaultValueFactory = _ => 32 };
var maxBatchedTokensOption = new Option<int>("--max-num-batched-tokens") { DefaultValueFactory = _ => 2048 };
var baselineRequestsOption = new Option<int>("--baseline-requests") { Description = "Requests for the same engine at max_num_seqs 1 (0: skip).", DefaultValueFactory = _ => 64 };
var deviceOption = new Option<string>("--device") { Description = "cpu, or cuda on a GPU host (a build with -p:TorchSharpBackend=cuda; docs/operations.md).", DefaultValueFactory = _ => "cpu" };
var throughput = new Command("throughput", "Offline throughput: requests generated together, against the same engine at max_num_seqs 1.")
{
    dtypeOption, requestsOption, promptLengthOption, outputLengthOption, maxNumSeqsOption, maxBatchedTokensOption, baselineRequestsOption, seedOption, deviceOption,
};
throughput.SetAction(parse => Announce(args, () => ThroughputBench.Run(
    parse.GetValue(dtypeOption)!, parse.GetValue(requestsOption), parse.GetValue(promptLengthOption), parse.GetValue(outputLengthOption),
    parse.GetValue(maxNumSeqsOption), parse.GetValue(maxBatchedTokensOption), parse.GetValue(baselineRequestsOption), parse.GetValue(seedOption),
    parse.GetValue(deviceOption)!)));

var kvRequestsOption = new Option<int>("--requests") { DefaultValueFactory = _ => 64 };
var minPromptOption = new Option<int>("--min-prompt") { DefaultValueFactory = _ => 64 };
var maxPromptOption = new Option<int>("--max-prompt") { DefaultValueFactory = _ => 448 };
var minOutputOption = new Option<int>("--min-output") { DefaultValueFactory = _ => 16 };
var maxOutputOption = new Option<int>("--max-output") { DefaultValueFactory = _ => 160 };
var sharedFractionOption = new Option<double>("--shared-prefix-fraction") { Description = "Share of requests that start with a common system prompt.", DefaultValueFactory = _ => 0.25 };
var sharedLengthOption = new Option<int>("--shared-prefix-len") { DefaultValueFactory = _ => 96 };
var arrivalOption = new Option<int>("--arrival-interval") { Description = "Steps between arrivals once the first max_num_seqs requests are queued.", DefaultValueFactory = _ => 2 };
var kvMaxNumSeqsOption = new Option<int>("--max-num-seqs") { DefaultValueFactory = _ => 32 };
var kvBatchedTokensOption = new Option<int>("--max-num-batched-tokens") { DefaultValueFactory = _ => 512 };
var kvBlocksOption = new Option<int>("--kv-blocks") { Description = "Blocks in the KV pool (16 tokens each).", DefaultValueFactory = _ => 512 };
var kv = new Command("kv", "KV memory used by tokens / KV memory allocated, sampled every step of a mixed workload.")
{
    dtypeOption, kvRequestsOption, minPromptOption, maxPromptOption, minOutputOption, maxOutputOption, sharedFractionOption, sharedLengthOption,
    arrivalOption, kvMaxNumSeqsOption, kvBatchedTokensOption, kvBlocksOption, seedOption,
};
kv.SetAction(parse => Announce(args, () => KvUtilizationBench.Run(
    parse.GetValue(dtypeOption)!,
    new KvUtilizationBench.Workload(parse.GetValue(kvRequestsOption), parse.GetValue(minPromptOption), parse.GetValue(maxPromptOption),
        parse.GetValue(minOutputOption), parse.GetValue(maxOutputOption), parse.GetValue(sharedFractionOption), parse.GetValue(sharedLengthOption),
        parse.GetValue(arrivalOption)),
    parse.GetValue(kvMaxNumSeqsOption), parse.GetValue(kvBatchedTokensOption), parse.GetValue(kvBlocksOption), parse.GetValue(seedOption))));

var batchesOption = new Option<string>("--batches") { Description = "Comma-separated decode batch sizes.", DefaultValueFactory = _ => "1,32" };
var iterationsOption = new Option<int>("--iterations") { DefaultValueFactory = _ => 15 };
var profile = new Command("profile", "Where a decode step's time goes: the forward pass against its parts, beside alternatives the engine does not use yet.")
{
    dtypeOption, batchesOption, contextOption, iterationsOption, seedOption,
};
profile.SetAction(parse => Announce(args, () => ComponentProfile.Run(
    parse.GetValue(dtypeOption)!, Split(parse.GetValue(batchesOption)!).Select(int.Parse).ToArray(), parse.GetValue(contextOption),
    parse.GetValue(iterationsOption), parse.GetValue(seedOption))));

var sequencesOption = new Option<int>("--sequences") { Description = "Sequences per pass (one decode worker's share of a step).", DefaultValueFactory = _ => 16 };
var contextsOption = new Option<string>("--contexts") { Description = "Comma-separated context lengths.", DefaultValueFactory = _ => "64,160,512" };
var layersOption = new Option<int>("--layers") { Description = "Layers per pass (30: pools outgrow the caches; 1: they stay cached).", DefaultValueFactory = _ => 30 };
var roundsOption = new Option<int>("--rounds") { DefaultValueFactory = _ => 40 };
var attention = new Command("attention", "The decode attention kernel alone over paged bfloat16 pools: one decode worker's share of a step, layer after layer.")
{
    sequencesOption, contextsOption, layersOption, roundsOption, seedOption,
};
attention.SetAction(parse => Announce(args, () => AttentionBench.Run(
    parse.GetValue(sequencesOption), Split(parse.GetValue(contextsOption)!).Select(int.Parse).ToArray(), parse.GetValue(layersOption),
    parse.GetValue(roundsOption), parse.GetValue(seedOption))));

var root = new RootCommand("Benchmarks of the inference engine on the SmolLM-135M shape with random weights.") { decode, throughput, kv, profile, attention };
return root.Parse(args).Invoke();

// Every result starts with the command line and what it ran on.
static void Announce(string[] args, Action bench)
{
    // As the worker does: libtorch loaded and OpenMP's spin-wait set before anything else touches it.
    TorchRuntime.Initialize("cpu");
    Console.WriteLine($"# engine-bench {string.Join(' ', args)}");
    Machine.Describe();
    var contention = CpuContention.Start();
    bench();
    Console.WriteLine($"- during the run: {contention.Describe()}");
}

static string[] Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
