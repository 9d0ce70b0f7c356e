using LlmPlatform.Engine.Attention;
using LlmPlatform.Engine.Model;

namespace LlmPlatform.Engine.Tests;

public sealed class KvCacheBudgetTests
{
    private const long GiB = 1L << 30;

    [Fact]
    public void A_gpu_pool_gets_the_workers_share_less_its_model_and_activations()
    {
        // 80 GiB device, 0.75 of it for this worker, a 2 GiB model, 1 GiB for activations.
        Assert.Equal(60 * GiB - 2 * GiB - GiB, KvCacheBudget.ForGpu(80 * GiB, 0.75, 2 * GiB, GiB));
        // Two workers sharing the device at half the share each: each pool is what its own model leaves of its half.
        Assert.Equal(30 * GiB - 2 * GiB - GiB, KvCacheBudget.ForGpu(80 * GiB, 0.375, 2 * GiB, GiB));
        // A share smaller than the model: negative, which the worker refuses at startup as too small for one sequence.
        Assert.True(KvCacheBudget.ForGpu(80 * GiB, 0.01, 2 * GiB, GiB) < 0);
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
