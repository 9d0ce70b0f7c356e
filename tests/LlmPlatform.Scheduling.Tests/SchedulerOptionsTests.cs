namespace LlmPlatform.Scheduling.Tests;

public sealed class SchedulerOptionsTests
{
    [Fact]
    public void Defaults_are_vllms()
    {
        var options = new SchedulerOptions(numBlocks: 1024, maxModelLen: 4096);

        Assert.Equal(16, options.BlockSize);
        Assert.Equal(256, options.MaxNumSeqs);
        Assert.Equal(8192, options.MaxNumBatchedTokens);
        Assert.True(options.EnablePrefixCaching);
    }

    public static TheoryData<string, Func<SchedulerOptions>> Invalid => new()
    {
        { "num_gpu_blocks", () => new SchedulerOptions(numBlocks: 0, maxModelLen: 16) },
        { "max_model_len", () => new SchedulerOptions(numBlocks: 8, maxModelLen: 0) },
        { "block_size", () => new SchedulerOptions(numBlocks: 8, maxModelLen: 16, blockSize: 0) },
        { "max_num_seqs", () => new SchedulerOptions(numBlocks: 8, maxModelLen: 16, maxNumSeqs: 0) },
        { "max_num_batched_tokens", () => new SchedulerOptions(numBlocks: 8, maxModelLen: 16, maxNumBatchedTokens: 0) },
        { "num_gpu_blocks", () => new SchedulerOptions(numBlocks: 2, maxModelLen: 33, blockSize: 16) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_value_throws_naming_the_setting(string setting, Func<SchedulerOptions> create)
    {
        Assert.Equal(setting, Assert.ThrowsAny<ArgumentException>(create).ParamName);
    }
}
