using System.Threading.Channels;
using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;
using LlmPlatform.Engine.Output;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Scheduling;
using LlmPlatform.Tokenizers;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>The engine loop on its own thread, with requests from the test thread, as the HTTP side will use it.</summary>
public sealed class LlmEngineTests : IDisposable
{
    private const int BlockSize = 16;
    private readonly CausalLanguageModel model = CausalLanguageModel.Load(ModelDirectory.Open(ReferenceCases.ModelDirectory("llama-gqa")), ScalarType.Float32, TestDevice.Compute);
    private readonly PagedKvCache cache;
    private readonly Scheduler scheduler;
    private readonly HfTokenizer tokenizer = HfTokenizer.FromDirectory(ReferenceCases.ModelDirectory("llama-gqa"));
    private readonly LlmEngine engine;

    public LlmEngineTests()
    {
        cache = new PagedKvCache(model.Spec.Layers, 32, BlockSize, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, model.Device);
        scheduler = new Scheduler(new SchedulerOptions(32, maxModelLen: 512, BlockSize, maxNumSeqs: 8, maxNumBatchedTokens: 32), eosTokenIds: []);
        engine = new LlmEngine(new ModelRunner(model, cache, []), scheduler, tokenizer, []);
    }

    public void Dispose()
    {
        engine.Dispose();
        cache.Dispose();
        model.Dispose();
    }

    [Fact]
    public async Task Concurrent_requests_stream_their_own_greedy_tokens_and_text()
    {
        var prompts = new[] { "The quick brown fox", "Hello, world! 👋", "def main():" }.Select(p => tokenizer.Encode(p)).ToArray();

        var readers = prompts.Select((prompt, i) => engine.Submit(Request($"r{i}", prompt, new SamplingParams(temperature: 0, maxTokens: 8, ignoreEos: true)))).ToArray();
        var results = await Task.WhenAll(readers.Select(Collect));

        for (var i = 0; i < prompts.Length; i++)
        {
            var outputs = results[i];
            var tokens = outputs.SelectMany(o => o.TokenIds).ToArray();
            Assert.Equal(GreedyReference.Decode(model, prompts[i], 8), tokens);
            Assert.Equal(tokenizer.Decode(tokens, skipSpecialTokens: true), string.Concat(outputs.Select(o => o.Text)));
            Assert.Equal("length", outputs[^1].FinishReason);
            Assert.Equal((prompts[i].Length, 8), (outputs[^1].PromptTokens, outputs[^1].OutputTokens));
            Assert.All(outputs[..^1], o => Assert.Null(o.FinishReason));
        }
    }

    [Fact]
    public async Task Greedy_output_is_the_same_alone_and_among_sixteen_mixed_concurrent_requests()
    {
        var random = new Random(5);
        var prompts = Enumerable.Range(0, 16).Select(i => Enumerable.Range(0, 3 + random.Next(60)).Select(_ => random.Next(50000)).ToArray()).ToArray();
        var sampling = new SamplingParams(temperature: 0, maxTokens: 6, ignoreEos: true);
        var alone = new List<int[]>();
        foreach (var (prompt, i) in prompts.Select((p, i) => (p, i)))
        {
            alone.Add((await Collect(engine.Submit(Request($"alone{i}", prompt, sampling)))).SelectMany(o => o.TokenIds).ToArray());
        }

        // All at once: prefills of later requests interleave with decodes of earlier ones under the 32-token budget.
        var together = await Task.WhenAll(prompts.Select((prompt, i) => Collect(engine.Submit(Request($"together{i}", prompt, sampling)))));

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(alone[i], together[i].SelectMany(o => o.TokenIds).ToArray());
        }
    }

    [Fact]
    public async Task A_request_sharing_a_200_token_prefix_computes_only_its_new_tokens_and_answers_the_same()
    {
        var random = new Random(9);
        var prefix = Enumerable.Range(0, 200).Select(_ => random.Next(50000)).ToArray();
        int[] first = [.. prefix, 11, 12, 13];
        int[] second = [.. prefix, 21, 22, 23, 24, 25];
        var sampling = new SamplingParams(temperature: 0, maxTokens: 5, ignoreEos: true);
        await Collect(engine.Submit(Request("first", first, sampling)));
        var computedBefore = scheduler.BlockManager.PrefixCacheQueriedTokens - scheduler.BlockManager.PrefixCacheHitTokens;

        var cached = await Collect(engine.Submit(Request("second", second, sampling)));

        var computed = scheduler.BlockManager.PrefixCacheQueriedTokens - scheduler.BlockManager.PrefixCacheHitTokens - computedBefore;
        Assert.Equal(192, cached[^1].CachedTokens);
        Assert.Equal(second.Length - 192, computed);
        Assert.Equal(GreedyReference.Decode(model, second, 5), cached.SelectMany(o => o.TokenIds).ToArray());
    }

    [Fact]
    public async Task Full_prompt_blocks_are_announced_with_the_shared_prefix_hashes()
    {
        var stored = new List<BlockHash>();
        engine.KvCacheChanged += events =>
        {
            lock (stored)
            {
                stored.AddRange(events.OfType<BlockStored>().SelectMany(e => e.Hashes));
            }
        };
        var prompt = Enumerable.Range(1000, 40).ToArray();
        var seed = new PrefixHashSeed("llama-gqa", "tenant");

        await Collect(engine.Submit(Request("announce", prompt, new SamplingParams(temperature: 0, maxTokens: 1))));

        // Events are raised at the end of the engine's step, which may come just after the request's last output.
        for (var wait = 0; wait < 100 && Volatile.Read(ref stored).Count < 2; wait++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        lock (stored)
        {
            Assert.Equal(PrefixBlockHasher.HashPrompt(seed, prompt, BlockSize), stored.Take(2));
        }
    }

    [Fact]
    public async Task A_repeated_prompt_reports_its_cached_tokens()
    {
        var prompt = tokenizer.Encode(string.Join(' ', Enumerable.Repeat("cached prefix", 20)));
        await Collect(engine.Submit(Request("first", prompt, new SamplingParams(temperature: 0, maxTokens: 2))));

        var second = await Collect(engine.Submit(Request("second", prompt, new SamplingParams(temperature: 0, maxTokens: 2))));

        Assert.Equal((prompt.Length - 1) / BlockSize * BlockSize, second[^1].CachedTokens);
    }

    [Fact]
    public async Task A_stop_string_ends_generation_before_the_string()
    {
        var prompt = tokenizer.Encode("The quick brown fox");
        var greedy = GreedyReference.Decode(model, prompt, 6);
        var text = tokenizer.Decode(greedy, skipSpecialTokens: true);
        var stop = tokenizer.Decode(greedy[3..5], skipSpecialTokens: true);

        var outputs = await Collect(engine.Submit(Request("stop", prompt, new SamplingParams(temperature: 0, maxTokens: 6, stop: [stop]))));

        Assert.Equal("stop", outputs[^1].FinishReason);
        Assert.Equal(text[..text.IndexOf(stop, StringComparison.Ordinal)], string.Concat(outputs.Select(o => o.Text)));
    }

    [Fact]
    public async Task Aborting_frees_the_requests_blocks_at_once()
    {
        var reader = engine.Submit(Request("long", tokenizer.Encode("Tell me a very long story"), new SamplingParams(temperature: 0, maxTokens: 400, ignoreEos: true)));
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);

        engine.Abort("long");
        var rest = await Collect(reader);

        Assert.Equal("abort", rest[^1].FinishReason);
        Assert.Equal(0, scheduler.BlockManager.NumUsedBlocks);
    }

    [Fact]
    public async Task A_seeded_request_with_n_choices_repeats_exactly()
    {
        var prompt = tokenizer.Encode("Once upon a time");
        var sampling = new SamplingParams(temperature: 1.0, maxTokens: 6, seed: 1234, n: 2, ignoreEos: true);

        var first = await Collect(engine.Submit(Request("a", prompt, sampling)));
        var second = await Collect(engine.Submit(Request("b", prompt, sampling)));

        int[] Tokens(List<RequestOutput> outputs, int index) => outputs.Where(o => o.Index == index).SelectMany(o => o.TokenIds).ToArray();
        Assert.Equal(2, first.Count(o => o.Finished));
        Assert.Equal(Tokens(first, 0), Tokens(second, 0));
        Assert.Equal(Tokens(first, 1), Tokens(second, 1));
        Assert.Equal(6, Tokens(first, 1).Length);
    }

    [Fact]
    public async Task A_request_whose_step_fails_ends_with_the_error_and_the_engine_serves_the_next()
    {
        var failures = new List<Exception>();
        engine.StepFailed += failures.Add;
        var sampling = new SamplingParams(temperature: 0, maxTokens: 4, ignoreEos: true);

        // An id far past the embedding table (the API refuses these; the engine must survive one anyway). The runner
        // refuses it before the forward pass: on CUDA the lookup would be a device-side assert, fatal to the process.
        var bad = engine.Submit(Request("bad", [1, 2, 50_000_000], sampling));
        await Assert.ThrowsAnyAsync<Exception>(() => Collect(bad));
        var prompt = tokenizer.Encode("The engine is still serving");
        var good = await Collect(engine.Submit(Request("good", prompt, sampling))).WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);

        Assert.Contains("50000000", Assert.Single(failures).Message);
        Assert.Equal(GreedyReference.Decode(model, prompt, 4), good.SelectMany(o => o.TokenIds));
        Assert.Equal(0, scheduler.BlockManager.NumUsedBlocks);
    }

    private static GenerationRequest Request(string id, int[] prompt, SamplingParams sampling) => new(id, prompt, sampling, new PrefixHashSeed("llama-gqa", "tenant"));

    private static async Task<List<RequestOutput>> Collect(ChannelReader<RequestOutput> reader)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var outputs = new List<RequestOutput>();
        await foreach (var output in reader.ReadAllAsync(timeout.Token))
        {
            outputs.Add(output);
        }

        return outputs;
    }
}
