using System.Text.Json;
using LlmPlatform.Bench.Running;
using LlmPlatform.Bench.Workloads;
using LlmPlatform.Models.Demo;

namespace LlmPlatform.Bench.Tests;

/// <summary>
/// The tool as a user runs it in compare mode: it starts a real worker per configuration (max_num_seqs 4 against 1)
/// over a tiny random model, drives it over HTTP with a token-exact workload, and writes the result file, report and
/// plots. The result must account for every token the workload asked for.
/// </summary>
public sealed class BenchEndToEndTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("llmplatform-bench-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    [Fact]
    public async Task A_compare_run_against_started_workers_writes_a_complete_result()
    {
        var model = ModelCache.EnsureRandomModel(root, ModelShape.Demo with { Name = "bench-tiny", HiddenSize = 64, IntermediateSize = 128, Layers = 1, Heads = 4, KeyValueHeads = 2 });
        var options = new BenchOptions
        {
            Start = "worker",
            ServerArguments = ["--model", model],
#if DEBUG
            ServerBuildConfiguration = "Debug",
#else
            ServerBuildConfiguration = "Release",
#endif
            BuildServer = false,
            Configurations = [BenchConfiguration.Parse("seqs4;server=--max-num-seqs 4"), BenchConfiguration.Parse("seqs1;server=--max-num-seqs 1")],
            Workload = new WorkloadOptions { InputLength = 24, OutputLength = 6 },
            NumPrompts = 8,
            MaxConcurrency = 4,
            Seed = 11,
            ResultDirectory = Path.Combine(root, "results"),
        };

        var (_, file) = await BenchCommand.RunAsync(options, TextWriter.Null, CancellationToken.None);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        var results = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(["seqs4", "seqs1"], results.Select(r => r.GetProperty("name").GetString()));
        foreach (var result in results)
        {
            Assert.Equal((8, 0), (result.GetProperty("completed").GetInt32(), result.GetProperty("failed").GetInt32()));
            // Token-exact: the server's own usage counts match what the workload asked for.
            Assert.Equal((8 * 24, 8 * 6), (result.GetProperty("total_prompt_tokens").GetInt32(), result.GetProperty("total_output_tokens").GetInt32()));
            Assert.Equal(8, result.GetProperty("requests").GetArrayLength());
            Assert.Equal(8, result.GetProperty("ttft").GetProperty("count").GetInt32());
            Assert.True(result.GetProperty("ttft").GetProperty("median").GetDouble() > 0);
            Assert.True(result.GetProperty("tpot").GetProperty("median").GetDouble() > 0);
            Assert.Equal(8 * 5, result.GetProperty("itl").GetProperty("count").GetInt32());
            Assert.True(result.GetProperty("output_throughput").GetDouble() > 0);
            Assert.Equal("24", result.GetProperty("settings").GetProperty("workload_parameters").GetProperty("input_len").GetString());
        }

        var directory = Path.GetDirectoryName(file)!;
        Assert.Contains("seqs1", await File.ReadAllTextAsync(Path.Combine(directory, "report.md")));
        Assert.True(File.Exists(Path.Combine(directory, "ttft_cdf.png")));
    }
}
