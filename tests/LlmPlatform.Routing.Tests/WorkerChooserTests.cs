namespace LlmPlatform.Routing.Tests;

/// <summary>Scoring and the imbalance guard on synthetic matches and loads.</summary>
public sealed class WorkerChooserTests
{
    private static readonly KvAwareOptions Options = new() { RequestTokenWeight = 100, BalanceAbsoluteThreshold = 4, BalanceRelativeThreshold = 1.5 };

    private static WorkerCandidate Worker(string id, int running = 0, int waiting = 0, long waitingTokens = 0) => new(id, new WorkerLoad(running, waiting, waitingTokens, 0));

    [Fact]
    public void Kv_aware_sends_a_request_where_most_of_its_prompt_is_cached()
    {
        var chooser = new WorkerChooser(Options);
        WorkerCandidate[] workers = [Worker("a", running: 1), Worker("b", running: 2), Worker("c", running: 1)];

        var decision = chooser.Choose(workers, RoutingPolicy.KvAware, promptTokens: 1000, new Dictionary<string, int> { ["a"] = 160, ["b"] = 800 });

        // b: 1000 - 800 + 200 = 400; a: 1000 - 160 + 100 = 940; c: 1100.
        Assert.Equal(("b", "cache-hit", 800), (decision.WorkerId, decision.Reason, decision.PredictedCachedTokens));
    }

    [Fact]
    public void Load_outweighs_a_small_cache_hit()
    {
        var chooser = new WorkerChooser(Options);
        WorkerCandidate[] workers = [Worker("a", running: 3), Worker("b")];

        var decision = chooser.Choose(workers, RoutingPolicy.KvAware, promptTokens: 200, new Dictionary<string, int> { ["a"] = 64 });

        // a: 200 - 64 + 300 = 436 against b: 200.
        Assert.Equal(("b", "load", 0), (decision.WorkerId, decision.Reason, decision.PredictedCachedTokens));
    }

    [Fact]
    public void Queued_prompt_tokens_count_against_a_worker()
    {
        var chooser = new WorkerChooser(Options);
        WorkerCandidate[] workers = [Worker("a", waiting: 1, waitingTokens: 4000), Worker("b", waiting: 1, waitingTokens: 10)];

        Assert.Equal("b", chooser.Choose(workers, RoutingPolicy.KvAware, 500, new Dictionary<string, int> { ["a"] = 496 }).WorkerId);
    }

    [Fact]
    public void The_guard_keeps_a_hot_prefix_from_swamping_its_worker()
    {
        // A huge cache win on "hot", but it already runs 12 requests while "cold" runs 2: over both thresholds.
        var chooser = new WorkerChooser(Options with { RequestTokenWeight = 1 });
        WorkerCandidate[] workers = [Worker("hot", running: 12), Worker("cold", running: 2)];
        var matched = new Dictionary<string, int> { ["hot"] = 992 };

        var guarded = chooser.Choose(workers, RoutingPolicy.KvAware, 1000, matched);
        var withinBounds = chooser.Choose([Worker("hot", running: 5), Worker("cold", running: 2)], RoutingPolicy.KvAware, 1000, matched);

        Assert.Equal(("cold", "imbalance"), (guarded.WorkerId, guarded.Reason));
        Assert.Equal(("hot", "cache-hit"), (withinBounds.WorkerId, withinBounds.Reason));
    }

    [Fact]
    public void Without_tokens_kv_aware_routes_by_load()
    {
        var decision = new WorkerChooser(Options).Choose([Worker("a", running: 2), Worker("b", running: 1)], RoutingPolicy.KvAware, 0, null);

        Assert.Equal(("b", "no-tokens", 0), (decision.WorkerId, decision.Reason, decision.PredictedCachedTokens));
    }

    [Fact]
    public void Round_robin_cycles_least_load_takes_the_idlest_and_random_spreads()
    {
        var chooser = new WorkerChooser(Options);
        WorkerCandidate[] workers = [Worker("a", running: 3), Worker("b", running: 1), Worker("c", running: 2)];

        var cycle = Enumerable.Range(0, 6).Select(_ => chooser.Choose(workers, RoutingPolicy.RoundRobin, 10, null).WorkerId);
        var randomPicks = Enumerable.Range(0, 600).Select(_ => chooser.Choose(workers, RoutingPolicy.Random, 10, null).WorkerId).GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(["a", "b", "c", "a", "b", "c"], cycle);
        Assert.Equal("b", chooser.Choose(workers, RoutingPolicy.LeastLoad, 10, new Dictionary<string, int> { ["a"] = 80 }).WorkerId);
        Assert.All(workers, w => Assert.InRange(randomPicks[w.Id], 140, 260));
    }

    [Theory]
    [InlineData("kv-aware", RoutingPolicy.KvAware)]
    [InlineData("Least-Load", RoutingPolicy.LeastLoad)]
    [InlineData("round-robin", RoutingPolicy.RoundRobin)]
    [InlineData("random", RoutingPolicy.Random)]
    public void Policies_are_named_as_in_configuration(string name, RoutingPolicy policy)
    {
        Assert.True(RoutingPolicies.TryParse(name, out var parsed));
        Assert.Equal(policy, parsed);
        Assert.Equal(name.ToLowerInvariant(), parsed.Name());
        Assert.False(RoutingPolicies.TryParse("fastest", out _));
    }
}
