using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using LlmPlatform.Engine;
using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;
using LlmPlatform.Engine.Output;
using LlmPlatform.Models.Demo;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Scheduling;
using LlmPlatform.Tokenizers;
using LlmPlatform.Torch;
using static TorchSharp.torch;

namespace LlmPlatform.AppHost.Tests;

/// <summary>What the HTTP layer does to the engine: nothing to its output, and a client that leaves takes its KV with it.</summary>
[Collection(PlatformCollection.Name)]
public sealed class EngineOverHttpTests(PlatformFixture platform)
{
    [Fact]
    public async Task Greedy_output_over_http_equals_the_engines_own_output_for_the_same_token_ids()
    {
        int[] prompt = [464, 3290, 318, 257, 2746, 13, 632, 290, 257, 1049, 30, 1532, 13, 198, 40];
        const int tokens = 24;

        using var router = platform.App.CreateHttpClient("router");
        using var response = await router.PostAsJsonAsync("/v1/completions", new { prompt, max_tokens = tokens, temperature = 0, ignore_eos = true });
        var overHttp = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0].GetProperty("text").GetString();

        Assert.Equal(await GenerateInProcess(prompt, tokens), overHttp);
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_stream_frees_its_kv_blocks()
    {
        // No draining: disposing the response closes the connection at once, as a client that goes away does
        // (HttpClient would otherwise read on for up to 2 s to reuse the connection).
        using var router = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = platform.App.GetEndpoint("router", "http") };
        var idle = await FleetGauges();
        // Long enough (~2,000 tokens, several seconds) that only an abort can free it within the deadline below.
        var request = new { prompt = "Tell me everything.", max_tokens = 2000, ignore_eos = true, stream = true };

        using (var message = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(request) })
        using (var response = await router.SendAsync(message, HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            for (var events = 0; events < 3;)
            {
                events += (await reader.ReadLineAsync())!.StartsWith("data: ", StringComparison.Ordinal) ? 1 : 0;
            }

            var busy = await FleetGauges();
            Assert.Equal(idle.Running + 1, busy.Running);
            Assert.True(busy.KvUsage > idle.KvUsage, $"KV usage {busy.KvUsage} while streaming, {idle.KvUsage} idle.");
        }

        // Gone: the Router cancels its call to the worker, the worker aborts the engine request.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
        var after = await FleetGauges();
        while (after != idle && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            after = await FleetGauges();
        }

        Assert.Equal(idle, after);
    }

    /// <summary>Running requests and KV usage summed over the workers, from their vLLM-named metrics.</summary>
    private async Task<(double Running, double KvUsage)> FleetGauges()
    {
        var (running, usage) = (0.0, 0.0);
        foreach (var worker in PlatformFixture.Workers)
        {
            using var client = platform.App.CreateHttpClient(worker);
            var metrics = await client.GetStringAsync("/metrics");
            running += Sample(metrics, "vllm:num_requests_running");
            usage += Sample(metrics, "vllm:kv_cache_usage_perc");
        }

        return (running, usage);
    }

    private static double Sample(string metrics, string name) =>
        double.Parse(metrics.Split('\n').Single(line => line.StartsWith(name + "{", StringComparison.Ordinal)).Split(' ')[^1], CultureInfo.InvariantCulture);

    /// <summary>The demo model the workers serve, run by the engine in this process, as the worker builds it.</summary>
    private static async Task<string> GenerateInProcess(int[] prompt, int tokens)
    {
        TorchRuntime.Initialize("cpu");
        var directory = ModelDirectory.Open(ModelCache.EnsureRandomModel(ModelCache.DefaultRoot(), ModelShape.Demo));
        var dtype = directory.Config.TorchDtype == "float32" ? ScalarType.Float32 : ScalarType.BFloat16;
        using var model = CausalLanguageModel.Load(directory, dtype, CPU);
        using var cache = new PagedKvCache(model.Spec.Layers, 16, 16, model.Spec.KeyValueHeads, model.Spec.HeadDim, dtype, CPU);
        var eos = GenerationConfig.EosTokenIds(directory);
        var scheduler = new Scheduler(new SchedulerOptions(16, 256, 16, maxNumSeqs: 4, maxNumBatchedTokens: 256), eos);
        using var engine = new LlmEngine(new ModelRunner(model, cache, eos), scheduler, HfTokenizer.FromDirectory(directory.Path), eos);

        var text = new StringBuilder();
        var outputs = engine.Submit(new GenerationRequest("local", prompt, new SamplingParams(temperature: 0, maxTokens: tokens, ignoreEos: true), new PrefixHashSeed(ModelShape.Demo.Name, "")));
        await foreach (var output in outputs.ReadAllAsync())
        {
            text.Append(output.Text);
        }

        return text.ToString();
    }
}
