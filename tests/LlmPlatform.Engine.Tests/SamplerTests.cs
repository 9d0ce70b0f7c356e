using LlmPlatform.Engine.Sampling;
using static TorchSharp.torch;

namespace LlmPlatform.Engine.Tests;

/// <summary>The sampler on logits of the test device (the CPU, or LLMPLATFORM_TEST_DEVICE), as the engine hands them over.</summary>
public sealed class SamplerTests
{
    [Fact]
    public void Greedy_rows_take_the_highest_logit()
    {
        using var logits = Logits(new float[,] { { 0.1f, 3f, -1f, 2.9f }, { 5f, 0f, 0f, 0f } });

        var tokens = Sampler.Sample(logits, [Row(temperature: 0), Row(temperature: 0)]);

        Assert.Equal([1, 0], tokens.Select(t => t.Token));
    }

    [Fact]
    public void Top_k_of_one_is_greedy_whatever_the_temperature()
    {
        using var logits = Logits(new float[,] { { 0.1f, 3f, -1f, 2.9f } });

        var tokens = Enumerable.Range(0, 50).Select(seed => Sampler.Sample(logits, [Row(temperature: 2, topK: 1, seed: seed)])[0].Token);

        Assert.All(tokens, token => Assert.Equal(1, token));
    }

    [Fact]
    public void Logit_bias_can_force_or_forbid_a_token()
    {
        using var logits = Logits(new float[,] { { 0f, 5f, 0f }, { 0f, 5f, 0f } });

        var tokens = Sampler.Sample(logits, [
            Row(temperature: 0) with { LogitBias = new Dictionary<int, double> { [2] = 100 } },
            Row(temperature: 0) with { LogitBias = new Dictionary<int, double> { [1] = -100 } }]);

        Assert.Equal(2, tokens[0].Token);
        Assert.NotEqual(1, tokens[1].Token);
    }

    [Fact]
    public void Blocked_tokens_are_never_sampled()
    {
        using var logits = Logits(new float[,] { { 10f, 0f, 0f } });

        var tokens = Enumerable.Range(0, 30).Select(seed => Sampler.Sample(logits, [Row(seed: seed) with { BlockedTokens = [0] }])[0].Token).ToList();
        var greedy = Sampler.Sample(logits, [Row(temperature: 0) with { BlockedTokens = [0] }])[0].Token;

        Assert.DoesNotContain(0, tokens);
        Assert.NotEqual(0, greedy);
    }

    [Fact]
    public void A_seeded_row_draws_the_same_tokens_alone_and_in_any_batch()
    {
        var random = new Random(3);
        var vocab = 64;
        var logits = Enumerable.Range(0, 20).Select(_ => Enumerable.Range(0, vocab).Select(_ => (float)(random.NextDouble() * 4)).ToArray()).ToList();
        var alone = new Random(1234);
        var batched = new Random(1234);
        var neighbour = new Random(99);

        for (var step = 0; step < logits.Count; step++)
        {
            using var single = tensor(logits[step], [1, vocab], device: TestDevice.Compute);
            using var batch = tensor(logits[(step + 7) % logits.Count].Concat(logits[step]).Concat(logits[(step + 3) % logits.Count]).ToArray(), [3, vocab], device: TestDevice.Compute);

            var expected = Sampler.Sample(single, [Row(temperature: 0.9, topP: 0.9) with { Random = alone }])[0].Token;
            var actual = Sampler.Sample(batch, [Row(temperature: 1.3, topK: 5) with { Random = neighbour }, Row(temperature: 0.9, topP: 0.9) with { Random = batched }, Row(temperature: 0)])[1].Token;

            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void Temperature_sampling_follows_the_softmax_distribution()
    {
        using var logits = Logits(new float[,] { { 0f, MathF.Log(2), MathF.Log(4) } });
        var row = Row(seed: 42);

        var counts = new int[3];
        for (var i = 0; i < 7000; i++)
        {
            counts[Sampler.Sample(logits, [row])[0].Token]++;
        }

        Assert.InRange(counts[0], 850, 1150);
        Assert.InRange(counts[1], 1800, 2200);
        Assert.InRange(counts[2], 3750, 4250);
    }

    [Fact]
    public void Top_p_keeps_the_smallest_set_reaching_the_mass()
    {
        using var logits = Logits(new float[,] { { MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.2f) } });

        var tokens = Enumerable.Range(0, 200).Select(seed => Sampler.Sample(logits, [Row(topP: 0.6, seed: seed)])[0].Token).ToHashSet();

        Assert.Equal([0, 1], tokens.Order());
    }

    [Fact]
    public void Min_p_drops_tokens_below_a_fraction_of_the_most_likely()
    {
        using var logits = Logits(new float[,] { { MathF.Log(0.6f), MathF.Log(0.3f), MathF.Log(0.1f) } });

        var tokens = Enumerable.Range(0, 200).Select(seed => Sampler.Sample(logits, [Row(seed: seed) with { MinP = 0.25 }])[0].Token).ToHashSet();

        Assert.Equal([0, 1], tokens.Order());
    }

    [Theory]
    [InlineData(2f, 2f, 1)]
    [InlineData(-1f, -1.5f, 1)]
    public void Repetition_penalty_divides_positive_and_multiplies_negative_logits_of_seen_tokens(float first, float second, int expected)
    {
        using var logits = Logits(new float[,] { { first, second } });

        var token = Sampler.Sample(logits, [Row(temperature: 0) with { RepetitionPenalty = 2, PromptTokens = [0] }])[0].Token;

        Assert.Equal(expected, token);
    }

    [Fact]
    public void Frequency_and_presence_penalties_count_generated_tokens()
    {
        using var logits = Logits(new float[,] { { 3f, 2f, 0f }, { 3f, 2f, 0f } });

        var tokens = Sampler.Sample(logits, [
            Row(temperature: 0) with { FrequencyPenalty = 0.6, OutputTokens = [0, 0] },
            Row(temperature: 0) with { PresencePenalty = 0.5, OutputTokens = [0, 0] }]);

        Assert.Equal(1, tokens[0].Token);
        Assert.Equal(0, tokens[1].Token);
    }

    [Fact]
    public void Logprobs_are_log_softmax_values_with_the_top_alternatives_in_order()
    {
        using var logits = Logits(new float[,] { { 1f, 3f, 2f, 0f } });

        var sampled = Sampler.Sample(logits, [Row(temperature: 0) with { Logprobs = 2 }])[0];

        var normalizer = Math.Log(new[] { 1.0, 3, 2, 0 }.Sum(Math.Exp));
        Assert.Equal(3 - normalizer, sampled.Logprob, 5);
        Assert.Equal([1, 2], sampled.TopLogprobs.Select(t => t.Token));
        Assert.Equal(2 - normalizer, sampled.TopLogprobs[1].Logprob, 5);
    }

    [Fact]
    public void Rows_asking_for_different_numbers_of_alternatives_each_get_their_own()
    {
        using var logits = Logits(new float[,] { { 1f, 3f, 2f, 0f }, { 0f, 1f, 5f, 4f }, { 2f, 0f, 1f, 3f } });

        var sampled = Sampler.Sample(logits, [
            Row(temperature: 0) with { Logprobs = 3 },
            Row(temperature: 0.5, seed: 7) with { Logprobs = 0 },
            Row(temperature: 0) with { Logprobs = 1 }]);

        Assert.Equal([1, 2, 0], sampled[0].TopLogprobs.Select(t => t.Token));
        Assert.Empty(sampled[1].TopLogprobs);
        Assert.Equal([3], sampled[2].TopLogprobs.Select(t => t.Token));
        var normalizer = Math.Log(new[] { 0.0, 1, 5, 4 }.Sum(Math.Exp));
        Assert.Equal(new[] { 0.0, 1, 5, 4 }[sampled[1].Token] - normalizer, sampled[1].Logprob, 5);
    }

    [Fact]
    public void Rows_asking_for_no_logprobs_get_none_beside_rows_that_ask()
    {
        using var logits = Logits(new float[,] { { 1f, 3f, 2f, 0f }, { 0f, 1f, 5f, 4f }, { 2f, 0f, 1f, 3f } });

        var sampled = Sampler.Sample(logits, [Row(temperature: 0), Row(temperature: 0) with { Logprobs = 0 }, Row(temperature: 0.5, seed: 7)]);

        Assert.Equal([1, 2], sampled.Take(2).Select(t => t.Token));
        Assert.True(double.IsNaN(sampled[0].Logprob));
        Assert.True(double.IsNaN(sampled[2].Logprob));
        Assert.Equal(5 - Math.Log(new[] { 0.0, 1, 5, 4 }.Sum(Math.Exp)), sampled[1].Logprob, 5);
        Assert.All(sampled, t => Assert.Empty(t.TopLogprobs));
    }

    [Fact]
    public void An_id_past_the_vocabulary_neither_fails_nor_touches_the_next_row()
    {
        using var logits = Logits(new float[,] { { 0f, 1f, 0f }, { 5f, 0f, 0f } });

        var sampled = Sampler.Sample(logits, [
            Row(temperature: 0) with { BlockedTokens = [3], LogitBias = new Dictionary<int, double> { [3] = 100 }, RepetitionPenalty = 2, PromptTokens = [3] },
            Row(temperature: 0)]);

        Assert.Equal([1, 0], sampled.Select(t => t.Token));
    }

    [Fact]
    public void The_callers_logits_are_left_as_they_were_with_and_without_edits()
    {
        using var logits = Logits(new float[,] { { 0f, 5f, 1f }, { 2f, 0f, 1f } });
        using var before = logits.clone();

        Sampler.Sample(logits, [Row(temperature: 0), Row(temperature: 0)]);
        Sampler.Sample(logits, [Row(temperature: 0) with { LogitBias = new Dictionary<int, double> { [0] = 50 }, BlockedTokens = [1] }, Row(temperature: 0.7)]);

        Assert.Equal(before.cpu().data<float>().ToArray(), logits.cpu().data<float>().ToArray());
    }

    /// <summary>
    /// The greedy picks and log Σ exp against libtorch's argmax and logsumexp, on the CPU where they are written by
    /// hand: a vocabulary that is no multiple of the vector width, the largest value twice (the first wins) in the
    /// vector part and in the tail, and a narrowed vocabulary (a view whose rows are longer than their width).
    /// </summary>
    [Fact]
    public void Greedy_picks_and_log_sum_exp_match_libtorch_on_the_cpu()
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(11);
        var logits = randn(5, 1003, generator: generator) * 4;
        logits[1, 40] = logits[1, 700] = 30f;
        logits[2, 998] = logits[2, 1001] = 30f;
        logits[3, 0] = 30f;
        logits[4, 1002] = 30f;

        var every = Enumerable.Repeat(true, 5).ToArray();
        var alternate = new[] { true, false, true, false, true };
        foreach (var view in new[] { logits, logits.narrow(1, 0, 1000) })
        {
            var (greedy, logSumExp) = LogitStatistics.Of(view, every);

            Assert.Equal(view.argmax(-1).data<long>().ToArray(), greedy);
            var expected = view.logsumexp(-1).data<float>().ToArray();
            Assert.All(Enumerable.Range(0, 5), row => Assert.Equal(expected[row], logSumExp[row], 1e-4f));

            // Rows that want no log Σ exp: the same greedy picks, by the argmax-only pass, and NaN.
            var (greedyOnly, some) = LogitStatistics.Of(view, alternate);
            Assert.Equal(greedy, greedyOnly);
            Assert.All(Enumerable.Range(0, 5), row => Assert.Equal(alternate[row], !float.IsNaN(some[row])));
        }

        Assert.Equal(40, LogitStatistics.Of(logits, every).Greedy[1]);
        Assert.Equal(998, LogitStatistics.Of(logits, every).Greedy[2]);
        Assert.Equal(998, LogitStatistics.Of(logits, new bool[5]).Greedy[2]);
    }

    private static Tensor Logits(float[,] values) => tensor(values, device: TestDevice.Compute);

    private static SamplingRow Row(double temperature = 1.0, double topP = 1.0, int topK = -1, int seed = 0) =>
        new() { Temperature = temperature, TopP = topP, TopK = topK, Random = new Random(seed) };
}
