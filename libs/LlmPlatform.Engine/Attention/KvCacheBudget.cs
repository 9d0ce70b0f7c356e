using LlmPlatform.Engine.Model;

namespace LlmPlatform.Engine.Attention;

/// <summary>
/// How many bytes the KV pool gets when the worker is given no byte count (<c>--kv-cache-memory</c>): on a CPU a fixed
/// default; on a GPU, as in vLLM, a share of the device's memory (<c>--gpu-memory-utilization</c>) less the model's
/// weights and less room for one step's activations.
/// </summary>
public static class KvCacheBudget
{
    /// <summary>The pool on a CPU: enough for the demo model on a laptop; real models want --kv-cache-memory.</summary>
    public const long CpuDefault = 512L << 20;

    /// <summary>
    /// The worker's share of the device, less its model's weights and its activations: the model's bytes are what
    /// loading it took, so workers sharing a device each count only their own (and each gets its share).
    /// </summary>
    public static long ForGpu(long totalBytes, double utilization, long modelBytes, long activationBytes) =>
        (long)(utilization * totalBytes) - modelBytes - activationBytes;

    /// <summary>
    /// A generous bound on one step's transient tensors, which libtorch allocates beside the pool: per batched token
    /// the residual stream, q/k/v/o and the MLP's gate, up and product in float32 width, and per sequence its logits and
    /// the sampler's copies of them.
    /// </summary>
    public static long ActivationBytes(ModelSpec spec, int maxNumBatchedTokens, int maxNumSeqs) =>
        (long)maxNumBatchedTokens * (6L * spec.HiddenSize + 3L * spec.IntermediateSize) * sizeof(float)
        + (long)maxNumSeqs * spec.VocabSize * 4 * sizeof(float);
}
