namespace LlmPlatform.Routing;

/// <summary>
/// The weights of kv-aware routing. The cost of sending a request to a worker is counted in prompt tokens to
/// prefill: its uncached tokens, plus the prompt tokens already queued there, plus <see cref="RequestTokenWeight"/>
/// for each request it is already running or holding (a running request slows everyone's steps about as much as a
/// prefill of that many tokens). The guard keeps a hot prefix from swamping one worker: a worker more than
/// <see cref="BalanceAbsoluteThreshold"/> requests and <see cref="BalanceRelativeThreshold"/> times above the least
/// loaded one is not chosen for its cache (SGLang's cache-aware router guards the same way).
/// </summary>
public sealed record KvAwareOptions
{
    public double RequestTokenWeight { get; init; } = 256;

    public int BalanceAbsoluteThreshold { get; init; } = 8;

    public double BalanceRelativeThreshold { get; init; } = 1.5;
}
