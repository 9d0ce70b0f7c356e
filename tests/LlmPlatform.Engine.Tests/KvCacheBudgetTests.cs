using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;

namespace LlmPlatform.Engine.Tests;

public sealed class KvCacheBudgetTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public void A_gpu_pool_gets_the_utilized_share_less_what_is_in_use_and_the_activations()
    {
        // 80 GiB device, 2 GiB in use after loading (weights, context), 0.75 of it for this worker, 1 GiB for activations.
        Assert.Equal(60 * GiB - 2 * GiB - GiB, KvCacheBudget.ForGpu(78 * GiB, 80 * GiB, 0.75, GiB));
        // Another process holding memory shrinks the pool by as much.
        Assert.Equal(57 * GiB - 10 * GiB, KvCacheBudget.ForGpu(68 * GiB, 80 * GiB, 0.75, GiB));
        // Nothing left: negative, which the worker refuses at startup as too small for one sequence.
        Assert.True(KvCacheBudget.ForGpu(10 * GiB, 80 * GiB, 0.5, GiB) < 0);
    }

    [Fact]
    public void Activations_grow_with_the_step_token_budget_and_the_sequences_sampled()
    {
        var spec = ModelSpec.From(LlmPlatform.Models.HuggingFace.ModelDirectory.Open(ReferenceCases.ModelDirectory("llama-gqa")).Config);
        var small = KvCacheBudget.ActivationBytes(spec, maxNumBatchedTokens: 512, maxNumSeqs: 8);

        Assert.Equal(512L * (6 * spec.HiddenSize + 3 * spec.IntermediateSize) * 4 + 8L * spec.VocabSize * 16, small);
        Assert.True(KvCacheBudget.ActivationBytes(spec, 1024, 8) > small);
        Assert.True(KvCacheBudget.ActivationBytes(spec, 512, 16) > small);
    }
}
