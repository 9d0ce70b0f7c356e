namespace LlmPlatform.Routing;

/// <summary>How the Router picks a worker; selectable by configuration and per request (for comparisons).</summary>
public enum RoutingPolicy
{
    /// <summary>The fewest uncached prefill tokens weighed against load, with a guard against imbalance (default).</summary>
    KvAware,

    /// <summary>The fewest requests in flight.</summary>
    LeastLoad,

    RoundRobin,

    Random,
}

public static class RoutingPolicies
{
    /// <summary>The policy named as in configuration and the request header: kv-aware, least-load, round-robin, random.</summary>
    public static bool TryParse(string? name, out RoutingPolicy policy)
    {
        (var known, policy) = name?.Trim().ToLowerInvariant() switch
        {
            "kv-aware" => (true, RoutingPolicy.KvAware),
            "least-load" => (true, RoutingPolicy.LeastLoad),
            "round-robin" => (true, RoutingPolicy.RoundRobin),
            "random" => (true, RoutingPolicy.Random),
            _ => (false, RoutingPolicy.KvAware),
        };
        return known;
    }

    public static string Name(this RoutingPolicy policy) => policy switch
    {
        RoutingPolicy.KvAware => "kv-aware",
        RoutingPolicy.LeastLoad => "least-load",
        RoutingPolicy.RoundRobin => "round-robin",
        _ => "random",
    };
}
