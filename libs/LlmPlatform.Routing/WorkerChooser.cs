namespace LlmPlatform.Routing;

/// <summary>Which worker, by which policy and why, and how many prompt tokens the choice expects to find cached.</summary>
public sealed record RoutingDecision(string WorkerId, RoutingPolicy Policy, string Reason, int PredictedCachedTokens);

/// <summary>
/// Picks a worker for one request from the live candidates. kv-aware needs, per worker, the prompt tokens its cache
/// holds (the <see cref="PrefixIndex"/>'s matched blocks times the block size); without them (no tokens: the
/// Tokenizer service is unreachable) it routes by load.
/// </summary>
public sealed class WorkerChooser(KvAwareOptions options)
{
    private readonly Random random = new();
    private readonly Lock gate = new();
    private long next;

    public RoutingDecision Choose(IReadOnlyList<WorkerCandidate> candidates, RoutingPolicy policy, int promptTokens, IReadOnlyDictionary<string, int>? cachedTokens)
    {
        if (candidates.Count == 0)
        {
            throw new InvalidOperationException("There is no live worker to choose from.");
        }

        switch (policy)
        {
            case RoutingPolicy.RoundRobin:
                var turn = (int)((Interlocked.Increment(ref next) - 1) % candidates.Count);
                return Decision(candidates[turn], policy, "round-robin", promptTokens, cachedTokens);
            case RoutingPolicy.Random:
                int pick;
                lock (gate)
                {
                    pick = random.Next(candidates.Count);
                }

                return Decision(candidates[pick], policy, "random", promptTokens, cachedTokens);
            case RoutingPolicy.LeastLoad:
                return Decision(LeastLoaded(candidates), policy, "least-load", promptTokens, cachedTokens);
            default:
                return KvAware(candidates, promptTokens, cachedTokens);
        }
    }

    private RoutingDecision KvAware(IReadOnlyList<WorkerCandidate> candidates, int promptTokens, IReadOnlyDictionary<string, int>? cachedTokens)
    {
        if (cachedTokens is null)
        {
            return Decision(LeastLoaded(candidates), RoutingPolicy.KvAware, "no-tokens", promptTokens, null);
        }

        var least = candidates.Min(c => c.Load.Requests);
        var eligible = candidates.Where(c => !Overloaded(c.Load.Requests, least)).ToList();
        var best = eligible.MinBy(c => (Cost(c, promptTokens, cachedTokens), c.Load.Requests, c.Id))!;
        var bestCached = Cached(best, promptTokens, cachedTokens);
        var reason = bestCached > 0 ? "cache-hit" : "load";
        // The guard set aside a worker that held more of this prompt: the request trades its cache for balance.
        if (candidates.Except(eligible).Any(c => Cached(c, promptTokens, cachedTokens) > bestCached))
        {
            reason = "imbalance";
        }

        return new RoutingDecision(best.Id, RoutingPolicy.KvAware, reason, bestCached);
    }

    private bool Overloaded(int requests, int least) =>
        requests - least > options.BalanceAbsoluteThreshold && requests > least * options.BalanceRelativeThreshold;

    private double Cost(WorkerCandidate candidate, int promptTokens, IReadOnlyDictionary<string, int> cachedTokens) =>
        promptTokens - Cached(candidate, promptTokens, cachedTokens) + candidate.Load.WaitingTokens + options.RequestTokenWeight * candidate.Load.Requests;

    private int Cached(WorkerCandidate candidate, int promptTokens, IReadOnlyDictionary<string, int>? cachedTokens) =>
        Math.Min(promptTokens, cachedTokens?.GetValueOrDefault(candidate.Id) ?? 0);

    private static WorkerCandidate LeastLoaded(IReadOnlyList<WorkerCandidate> candidates) =>
        candidates.MinBy(c => (c.Load.Requests, c.Load.WaitingTokens, c.Load.KvUsage, c.Id))!;

    private RoutingDecision Decision(WorkerCandidate worker, RoutingPolicy policy, string reason, int promptTokens, IReadOnlyDictionary<string, int>? cachedTokens) =>
        new(worker.Id, policy, reason, Cached(worker, promptTokens, cachedTokens));
}
