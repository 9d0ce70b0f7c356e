namespace LlmPlatform.Routing;

/// <summary>Which worker, by which policy and why, and how many prompt tokens the choice expects to find cached.</summary>
public sealed record RoutingDecision(string WorkerId, RoutingPolicy Policy, string Reason, int PredictedCachedTokens);

/// <summary>
/// Picks a worker for one request from the live candidates. kv-aware needs the prompt's block matches from the
/// <see cref="PrefixIndex"/>; without them (no tokens: the Tokenizer service is unreachable) it routes by load.
/// </summary>
public sealed class WorkerChooser(KvAwareOptions options)
{
    private readonly Random random = new();
    private readonly Lock gate = new();
    private long next;

    public RoutingDecision Choose(IReadOnlyList<WorkerCandidate> candidates, RoutingPolicy policy, int promptTokens, IReadOnlyDictionary<string, int>? matchedBlocks)
    {
        if (candidates.Count == 0)
        {
            throw new InvalidOperationException("There is no live worker to choose from.");
        }

        switch (policy)
        {
            case RoutingPolicy.RoundRobin:
                var turn = (int)((Interlocked.Increment(ref next) - 1) % candidates.Count);
                return Decision(candidates[turn], policy, "round-robin", promptTokens, matchedBlocks);
            case RoutingPolicy.Random:
                int pick;
                lock (gate)
                {
                    pick = random.Next(candidates.Count);
                }

                return Decision(candidates[pick], policy, "random", promptTokens, matchedBlocks);
            case RoutingPolicy.LeastLoad:
                return Decision(LeastLoaded(candidates), policy, "least-load", promptTokens, matchedBlocks);
            default:
                return KvAware(candidates, promptTokens, matchedBlocks);
        }
    }

    private RoutingDecision KvAware(IReadOnlyList<WorkerCandidate> candidates, int promptTokens, IReadOnlyDictionary<string, int>? matchedBlocks)
    {
        if (matchedBlocks is null)
        {
            return Decision(LeastLoaded(candidates), RoutingPolicy.KvAware, "no-tokens", promptTokens, null);
        }

        var least = candidates.Min(c => c.Load.Requests);
        var eligible = candidates.Where(c => !Overloaded(c.Load.Requests, least)).ToList();
        var best = eligible.MinBy(c => (Cost(c, promptTokens, matchedBlocks), c.Load.Requests, c.Id))!;
        var bestCached = Cached(best, promptTokens, matchedBlocks);
        var reason = bestCached > 0 ? "cache-hit" : "load";
        // The guard set aside a worker that held more of this prompt: the request trades its cache for balance.
        if (candidates.Except(eligible).Any(c => Cached(c, promptTokens, matchedBlocks) > bestCached))
        {
            reason = "imbalance";
        }

        return new RoutingDecision(best.Id, RoutingPolicy.KvAware, reason, bestCached);
    }

    private bool Overloaded(int requests, int least) =>
        requests - least > options.BalanceAbsoluteThreshold && requests > least * options.BalanceRelativeThreshold;

    private double Cost(WorkerCandidate candidate, int promptTokens, IReadOnlyDictionary<string, int> matchedBlocks) =>
        promptTokens - Cached(candidate, promptTokens, matchedBlocks) + candidate.Load.WaitingTokens + options.RequestTokenWeight * candidate.Load.Requests;

    private int Cached(WorkerCandidate candidate, int promptTokens, IReadOnlyDictionary<string, int>? matchedBlocks) =>
        Math.Min(promptTokens, matchedBlocks?.GetValueOrDefault(candidate.Id) * options.BlockSize ?? 0);

    private static WorkerCandidate LeastLoaded(IReadOnlyList<WorkerCandidate> candidates) =>
        candidates.MinBy(c => (c.Load.Requests, c.Load.WaitingTokens, c.Load.KvUsage, c.Id))!;

    private RoutingDecision Decision(WorkerCandidate worker, RoutingPolicy policy, string reason, int promptTokens, IReadOnlyDictionary<string, int>? matchedBlocks) =>
        new(worker.Id, policy, reason, Cached(worker, promptTokens, matchedBlocks));
}
