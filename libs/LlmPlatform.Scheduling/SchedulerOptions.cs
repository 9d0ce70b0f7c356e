using static LlmPlatform.Scheduling.SettingRules;

namespace LlmPlatform.Scheduling;

/// <summary>
/// The engine's scheduling limits, validated at construction; an invalid value throws
/// <see cref="ArgumentException"/> whose ParamName is vLLM's setting name.
/// </summary>
public sealed record SchedulerOptions
{
    public SchedulerOptions(
        int numBlocks,
        int maxModelLen,
        int blockSize = 16,
        int maxNumSeqs = 256,
        int maxNumBatchedTokens = 8192,
        bool enablePrefixCaching = true)
    {
        Require(numBlocks >= 1, "num_gpu_blocks", "must be >= 1");
        Require(maxModelLen >= 1, "max_model_len", "must be >= 1");
        Require(blockSize >= 1, "block_size", "must be >= 1");
        Require(maxNumSeqs >= 1, "max_num_seqs", "must be >= 1");
        Require(maxNumBatchedTokens >= 1, "max_num_batched_tokens", "must be >= 1");
        // Otherwise a sequence that reaches the context length could not fit even alone, and would be preempted
        // forever.
        Require((long)numBlocks * blockSize >= maxModelLen, "num_gpu_blocks",
            $"times block_size must hold max_model_len ({maxModelLen} tokens)");
        NumBlocks = numBlocks;
        MaxModelLen = maxModelLen;
        BlockSize = blockSize;
        MaxNumSeqs = maxNumSeqs;
        MaxNumBatchedTokens = maxNumBatchedTokens;
        EnablePrefixCaching = enablePrefixCaching;
    }

    /// <summary>Blocks in the KV pool, sized by the engine from its memory budget.</summary>
    public int NumBlocks { get; }

    /// <summary>The context length: prompt plus output tokens of one sequence.</summary>
    public int MaxModelLen { get; }

    public int BlockSize { get; }

    /// <summary>Most sequences running at once.</summary>
    public int MaxNumSeqs { get; }

    /// <summary>Token budget of one step, decodes and prefill chunks together.</summary>
    public int MaxNumBatchedTokens { get; }

    public bool EnablePrefixCaching { get; }
}
