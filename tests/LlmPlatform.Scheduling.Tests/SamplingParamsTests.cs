namespace LlmPlatform.Scheduling.Tests;

public sealed class SamplingParamsTests
{
    [Fact]
    public void Defaults_are_vllms()
    {
        var sampling = new SamplingParams();

        Assert.Equal(1.0, sampling.Temperature);
        Assert.Equal(1.0, sampling.TopP);
        Assert.Equal(-1, sampling.TopK);
        Assert.Equal(16, sampling.MaxTokens);
        Assert.Equal(1, sampling.N);
        Assert.True(sampling.SkipSpecialTokens);
        Assert.Empty(sampling.Stop);
        Assert.False(sampling.IsGreedy);
        Assert.True(new SamplingParams(temperature: 0).IsGreedy);
    }

    public static TheoryData<string, Func<SamplingParams>> Invalid => new()
    {
        { "temperature", () => new SamplingParams(temperature: -0.1) },
        { "temperature", () => new SamplingParams(temperature: double.NaN) },
        { "temperature", () => new SamplingParams(temperature: double.PositiveInfinity) },
        { "top_p", () => new SamplingParams(topP: 0) },
        { "top_p", () => new SamplingParams(topP: 1.01) },
        { "top_p", () => new SamplingParams(topP: double.NaN) },
        { "top_k", () => new SamplingParams(topK: 0) },
        { "top_k", () => new SamplingParams(topK: -2) },
        { "min_p", () => new SamplingParams(minP: -0.01) },
        { "min_p", () => new SamplingParams(minP: 1.5) },
        { "presence_penalty", () => new SamplingParams(presencePenalty: 2.5) },
        { "frequency_penalty", () => new SamplingParams(frequencyPenalty: -2.5) },
        { "repetition_penalty", () => new SamplingParams(repetitionPenalty: 0) },
        { "max_tokens", () => new SamplingParams(maxTokens: 0) },
        { "min_tokens", () => new SamplingParams(minTokens: -1) },
        { "min_tokens", () => new SamplingParams(maxTokens: 4, minTokens: 5) },
        { "stop", () => new SamplingParams(stop: ["ok", ""]) },
        { "stop_token_ids", () => new SamplingParams(stopTokenIds: [-1]) },
        { "n", () => new SamplingParams(n: 0) },
        { "logprobs", () => new SamplingParams(logprobs: 21) },
        { "logprobs", () => new SamplingParams(logprobs: -1) },
        { "logit_bias", () => new SamplingParams(logitBias: new Dictionary<int, double> { [5] = 101 }) },
        { "logit_bias", () => new SamplingParams(logitBias: new Dictionary<int, double> { [-1] = 1 }) },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_value_throws_naming_its_openai_field(string field, Func<SamplingParams> create)
    {
        var error = Assert.ThrowsAny<ArgumentException>(create);

        Assert.Equal(field, error.ParamName);
        Assert.StartsWith(field, error.Message);
    }

    [Fact]
    public void Boundary_values_are_accepted()
    {
        var sampling = new SamplingParams(
            temperature: 0, topP: 1, topK: 1, minP: 1, presencePenalty: -2, frequencyPenalty: 2, maxTokens: 1,
            minTokens: 1, logprobs: 20, logitBias: new Dictionary<int, double> { [0] = -100 });

        Assert.Equal(20, sampling.Logprobs);
    }

    [Fact]
    public void Collections_are_copied_so_later_changes_by_the_caller_do_not_leak_in()
    {
        var stop = new List<string> { "###" };
        var sampling = new SamplingParams(stop: stop);

        stop.Add("later");

        Assert.Equal(["###"], sampling.Stop);
    }
}
