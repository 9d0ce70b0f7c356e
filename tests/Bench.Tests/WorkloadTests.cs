using LlmPlatform.Bench.Running;
using LlmPlatform.Bench.Workloads;

namespace LlmPlatform.Bench.Tests;

/// <summary>Workloads are exact in tokens and reproducible from their seed.</summary>
public sealed class WorkloadTests
{
    private static readonly TokenPool Pool = TokenPool.BuildAsync(new CountingTokenizer(), seed: 1, words: 3000, CancellationToken.None).GetAwaiter().GetResult();

    [Fact]
    public void Random_prompts_and_outputs_have_exactly_the_asked_lengths()
    {
        var conversations = WorkloadBuilder.Build(new WorkloadOptions { InputLength = 37, OutputLength = 11 }, Pool, 50, seed: 2);

        Assert.Equal(50, conversations.Count);
        Assert.All(conversations, c => Assert.Equal((37, 11), (Assert.Single(c.Turns).UserTokens.Count, c.Turns[0].OutputTokens)));
        Assert.Equal(50, conversations.Select(c => string.Join(',', c.Turns[0].UserTokens)).Distinct().Count());
    }

    [Fact]
    public void Range_ratio_spreads_lengths_over_the_whole_range_and_no_further()
    {
        var lengths = WorkloadBuilder.Build(new WorkloadOptions { InputLength = 100, OutputLength = 10, RangeRatio = 0.5 }, Pool, 400, seed: 3)
            .Select(c => c.Turns[0].UserTokens.Count).ToList();

        Assert.InRange(lengths.Min(), 50, 55);
        Assert.InRange(lengths.Max(), 145, 150);
    }

    [Fact]
    public void The_same_seed_gives_the_same_workload_and_another_seed_another()
    {
        var options = new WorkloadOptions { Kind = "sessions", Tenants = 3, SessionsPerTenant = 2, Turns = 2, SystemLength = 30, UserLength = 5, LoraMix = new Dictionary<string, double> { ["a"] = 0.5 } };

        string Fingerprint(int seed) => string.Join('|', WorkloadBuilder.Build(options, Pool, 0, seed)
            .Select(c => $"{c.Tag}:{c.Model}:{string.Join(',', c.SystemTokens!)}:{string.Join(';', c.Turns.Select(t => string.Join(',', t.UserTokens)))}"));

        Assert.Equal(Fingerprint(5), Fingerprint(5));
        Assert.NotEqual(Fingerprint(5), Fingerprint(6));
    }

    [Fact]
    public void Prefix_workload_repeats_each_prefix_and_gives_every_request_its_own_suffix()
    {
        var conversations = WorkloadBuilder.Build(new WorkloadOptions { Kind = "prefix", NumPrefixes = 3, PrefixLength = 20, SuffixLength = 7, OutputLength = 4 }, Pool, 12, seed: 4);

        var prompts = conversations.Select(c => c.Turns[0].UserTokens).ToList();
        Assert.All(prompts, p => Assert.Equal(27, p.Count));
        for (var i = 0; i < prompts.Count; i++)
        {
            Assert.Equal(prompts[i % 3].Take(20), prompts[i].Take(20));
            Assert.Equal($"prefix-{i % 3}", conversations[i].Tag);
        }

        Assert.Equal(3, prompts.Select(p => string.Join(',', p.Take(20))).Distinct().Count());
        Assert.Equal(12, prompts.Select(p => string.Join(',', p.Skip(20))).Distinct().Count());
    }

    [Fact]
    public void Sessions_give_each_tenant_one_system_prompt_shared_by_its_conversations()
    {
        var conversations = WorkloadBuilder.Build(new WorkloadOptions { Kind = "sessions", Tenants = 4, SessionsPerTenant = 3, Turns = 5, SystemLength = 40, UserLength = 6, OutputLength = 9 }, Pool, 0, seed: 5);

        Assert.Equal(12, conversations.Count);
        Assert.Equal(Enumerable.Range(0, 12), conversations.Select(c => c.Index));
        Assert.All(conversations, c => Assert.Equal((40, 5), (c.SystemTokens!.Count, c.Turns.Count)));
        Assert.All(conversations.SelectMany(c => c.Turns), t => Assert.Equal((6, 9), (t.UserTokens.Count, t.OutputTokens)));
        var byTenant = conversations.GroupBy(c => c.Tag).ToList();
        Assert.Equal(4, byTenant.Count);
        Assert.All(byTenant, tenant => Assert.Single(tenant.Select(c => string.Join(',', c.SystemTokens!)).Distinct()));
        Assert.Equal(4, conversations.Select(c => string.Join(',', c.SystemTokens!)).Distinct().Count());
    }

    [Fact]
    public void A_lora_mix_sends_each_adapter_its_share()
    {
        var mix = new Dictionary<string, double> { ["sql"] = 0.3, ["chat"] = 0.2 };

        var models = WorkloadBuilder.Build(new WorkloadOptions { InputLength = 4, OutputLength = 1, LoraMix = mix }, Pool, 4000, seed: 6).Select(c => c.Model).ToList();

        Assert.Equal(0.3, models.Count(m => m == "sql") / 4000.0, 0.03);
        Assert.Equal(0.2, models.Count(m => m == "chat") / 4000.0, 0.03);
        Assert.Equal(0.5, models.Count(m => m is null) / 4000.0, 0.03);
    }

    [Fact]
    public void A_configuration_reads_server_flags_headers_and_body()
    {
        var configuration = BenchConfiguration.Parse("rr;server=--max-num-seqs 1 --block-size 32;header=X-Routing-Policy:round-robin;body={\"priority\": 2}");

        Assert.Equal("rr", configuration.Name);
        Assert.Equal(["--max-num-seqs", "1", "--block-size", "32"], configuration.ServerArguments);
        Assert.Equal("round-robin", configuration.Headers["X-Routing-Policy"]);
        Assert.Equal(2, (int)configuration.Body!["priority"]!);
        Assert.Throws<ArgumentException>(() => BenchConfiguration.Parse("x;colour=blue"));
    }

    /// <summary>A stand-in for the server's tokenizer: one id per character, so pool lengths are known.</summary>
    private sealed class CountingTokenizer : ITokenizer
    {
        public Task<IReadOnlyList<int>> TokenizeAsync(string text, CancellationToken cancellation) => Task.FromResult<IReadOnlyList<int>>(text.Select(c => (int)c).ToList());

        public Task<string> DetokenizeAsync(IReadOnlyList<int> tokens, CancellationToken cancellation) => Task.FromResult(new string(tokens.Select(t => (char)t).ToArray()));
    }
}
