namespace LlmPlatform.Routing;

/// <summary>
/// A worker's load as it last reported it: requests running and waiting, the prompt tokens still to prefill in its
/// queue, and the fraction of its KV blocks in use.
/// </summary>
public sealed record WorkerLoad(int Running, int Waiting, long WaitingTokens, double KvUsage)
{
    public static WorkerLoad Idle { get; } = new(0, 0, 0, 0);

    /// <summary>Requests the worker has taken and not finished.</summary>
    public int Requests => Running + Waiting;
}

/// <summary>A live worker the Router may send to.</summary>
public sealed record WorkerCandidate(string Id, WorkerLoad Load);
