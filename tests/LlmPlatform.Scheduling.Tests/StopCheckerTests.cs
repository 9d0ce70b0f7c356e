namespace LlmPlatform.Scheduling.Tests;

public sealed class StopCheckerTests
{
    private const int Eos = 2;
    private const int OtherEos = 3;
    private readonly StopChecker _checker = new([Eos, OtherEos], maxModelLen: 20);

    [Theory]
    [InlineData(Eos)]
    [InlineData(OtherEos)]
    public void Any_eos_id_stops(int eos)
    {
        Assert.Equal(FinishReason.Stop, _checker.Check(After(new SamplingParams(), 11, eos)));
    }

    [Fact]
    public void Eos_is_ignored_when_asked()
    {
        Assert.Null(_checker.Check(After(new SamplingParams(ignoreEos: true), 11, Eos)));
    }

    [Fact]
    public void A_stop_token_id_stops()
    {
        Assert.Equal(FinishReason.Stop, _checker.Check(After(new SamplingParams(stopTokenIds: [50]), 11, 50)));
    }

    [Fact]
    public void Eos_and_stop_token_ids_do_not_stop_before_min_tokens()
    {
        var sampling = new SamplingParams(minTokens: 3, stopTokenIds: [50]);

        Assert.Null(_checker.Check(After(sampling, 11, Eos)));
        Assert.Null(_checker.Check(After(sampling, 11, 50)));
        Assert.Equal(FinishReason.Stop, _checker.Check(After(sampling, 11, 12, Eos)));
    }

    [Fact]
    public void Max_tokens_ends_with_length()
    {
        var sampling = new SamplingParams(maxTokens: 2);

        Assert.Null(_checker.Check(After(sampling, 11)));
        Assert.Equal(FinishReason.Length, _checker.Check(After(sampling, 11, 12)));
    }

    [Fact]
    public void Eos_on_the_last_allowed_token_is_a_stop()
    {
        Assert.Equal(FinishReason.Stop, _checker.Check(After(new SamplingParams(maxTokens: 1), Eos)));
    }

    [Fact]
    public void The_context_length_ends_with_length_even_below_min_tokens()
    {
        var sequence = new Sequence(1, Fakes.Tokens(1, 19), new SamplingParams(maxTokens: 100, minTokens: 50), Fakes.Seed);
        sequence.AppendToken(11);

        Assert.Equal(FinishReason.Length, _checker.Check(sequence));
    }

    private static Sequence After(SamplingParams sampling, params int[] output)
    {
        var sequence = new Sequence(1, Fakes.Tokens(1, 4), sampling, Fakes.Seed);
        foreach (var token in output)
            sequence.AppendToken(token);
        return sequence;
    }
}
