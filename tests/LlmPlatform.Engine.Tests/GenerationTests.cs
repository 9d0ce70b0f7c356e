using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Scheduling;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// The scheduler, block manager and model runner together: whatever the batching, chunking, prefix reuse or
/// preemption, greedy generation gives the tokens that plain one-shot forward passes give.
/// </summary>
public sealed class GenerationTests
{
    private const int BlockSize = 16;

    [Fact]
    public void Batched_chunked_and_prefix_cached_generation_matches_one_shot_greedy_decoding()
    {
        using var model = Load();
        var prompts = Prompts();

        var outputs = Generate(model, prompts, numBlocks: 16, maxNumBatchedTokens: 8, maxTokens: 6, out var scheduler);

        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(GreedyReference.Decode(model, prompts[i], 6), outputs[i]);
        }

        Assert.True(scheduler.BlockManager.PrefixCacheHitTokens > 0, "The shared prompt prefix should have been served from the cache.");
    }

    [Fact]
    public void Preempted_sequences_finish_with_the_same_greedy_output()
    {
        using var model = Load();
        var prompts = Prompts();

        var outputs = Generate(model, prompts, numBlocks: 4, maxNumBatchedTokens: 64, maxTokens: 20, out var scheduler);

        Assert.True(scheduler.NumPreemptions > 0, "Four blocks for three sequences needing seven must force preemption.");
        for (var i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(GreedyReference.Decode(model, prompts[i], 20), outputs[i]);
        }
    }

    [Fact]
    public void A_runner_limited_to_the_tokenizers_vocabulary_never_samples_a_padded_id()
    {
        using var model = Load();
        var limit = model.Spec.VocabSize / 3;
        using var cache = new PagedKvCache(model.Spec.Layers, 8, BlockSize, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, model.Device);
        var scheduler = new Scheduler(new SchedulerOptions(8, maxModelLen: 8 * BlockSize, BlockSize, maxNumSeqs: 4, maxNumBatchedTokens: 64), eosTokenIds: []);
        var runner = new ModelRunner(model, cache, [], limit);
        // Hot sampling draws from the whole distribution, and logprobs show the alternatives: all must stay below the limit.
        var sequence = new Sequence(0, Prompts()[0], new SamplingParams(temperature: 5, maxTokens: 60, ignoreEos: true, seed: 3, logprobs: 5), new PrefixHashSeed("llama-gqa", ""));
        scheduler.Add(sequence);
        var sampled = new List<LlmPlatform.Engine.Sampling.SampledToken>();
        while (scheduler.HasUnfinished)
        {
            var batch = scheduler.Schedule();
            var step = runner.Run(batch);
            sampled.AddRange(step);
            scheduler.Postprocess(batch, step.Select(s => s.Token).ToArray());
        }

        Assert.Equal(60, sampled.Count);
        Assert.All(sampled, token => Assert.InRange(token.Token, 0, limit - 1));
        Assert.All(sampled.SelectMany(token => token.TopLogprobs), top => Assert.InRange(top.Token, 0, limit - 1));
        // Without the limit the same hot sampling does reach the upper ids, so the assertion above can fail.
        Assert.Contains(UnlimitedDraws(model), token => token >= limit);
    }

    private static List<int> UnlimitedDraws(CausalLanguageModel model) =>
        Generate(model, [Prompts()[0]], numBlocks: 8, maxNumBatchedTokens: 64, maxTokens: 60, out _, new SamplingParams(temperature: 5, maxTokens: 60, ignoreEos: true, seed: 3))[0];

    private static int[][] Prompts()
    {
        var tokens = ReferenceCases.Logits("llama-gqa").Tokens;
        return [tokens, [.. tokens[..16], 11, 12, 13], [.. tokens[2..12]]];
    }

    private static List<int>[] Generate(CausalLanguageModel model, int[][] prompts, int numBlocks, int maxNumBatchedTokens, int maxTokens, out Scheduler scheduler,
        SamplingParams? sampling = null)
    {
        using var cache = new PagedKvCache(model.Spec.Layers, numBlocks, BlockSize, model.Spec.KeyValueHeads, model.Spec.HeadDim, model.DType, model.Device);
        scheduler = new Scheduler(new SchedulerOptions(numBlocks, maxModelLen: numBlocks * BlockSize, BlockSize, maxNumSeqs: 8, maxNumBatchedTokens), eosTokenIds: []);
        var runner = new ModelRunner(model, cache, []);
        var sequences = prompts.Select((prompt, i) => new Sequence(i, prompt, sampling ?? new SamplingParams(temperature: 0, maxTokens: maxTokens, ignoreEos: true), new PrefixHashSeed("llama-gqa", "tenant", null))).ToList();
        foreach (var sequence in sequences)
        {
            scheduler.Add(sequence);
        }

        for (var steps = 0; scheduler.HasUnfinished; steps++)
        {
            Assert.True(steps < 500, "Generation did not finish.");
            var batch = scheduler.Schedule();
            var sampled = runner.Run(batch);
            scheduler.Postprocess(batch, sampled.Select(s => s.Token).ToArray());
        }

        Assert.Equal(0, scheduler.BlockManager.NumUsedBlocks);
        return sequences.Select(s => s.OutputTokenIds.ToList()).ToArray();
    }

    private static CausalLanguageModel Load() => CausalLanguageModel.Load(ModelDirectory.Open(ReferenceCases.ModelDirectory("llama-gqa")), ScalarType.Float32, TestDevice.Compute);
}
