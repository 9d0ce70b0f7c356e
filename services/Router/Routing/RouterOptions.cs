using LlmPlatform.Routing;

namespace LlmPlatform.Router.Routing;

/// <summary>How the Router routes (<c>Router</c> section); a request may ask for another policy in <c>X-Routing-Policy</c>.</summary>
public sealed class RouterOptions
{
    public const string Section = "Router";

    public const string PolicyHeader = "X-Routing-Policy";

    /// <summary>Response header: the id of the worker that served the request.</summary>
    public const string RoutedToHeader = "X-Routed-To";

    /// <summary>
    /// Response header: the policy, the reason, the cached tokens the choice predicted and the time the decision took
    /// (tokenize, hash, score), and for a scored prompt how its ids were found (hit, prefix, miss, or ids as given),
    /// e.g. <c>kv-aware; cache-hit; predicted_cached_tokens=512; routing_ms=0.412; prompt=prefix</c>.
    /// </summary>
    public const string DecisionHeader = "X-Routing-Decision";

    /// <summary>kv-aware (default), least-load, round-robin or random.</summary>
    public string Policy { get; set; } = "kv-aware";

    public KvAwareOptions KvAware { get; set; } = new();

    /// <summary>Token ids of tokenized prompts kept for later requests, in tokens (4 bytes each): 4 M by default, 16 MB.</summary>
    public long PromptCacheTokens { get; set; } = 4_000_000;
}
