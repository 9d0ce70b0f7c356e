namespace LlmPlatform.AppHost.Redis;

/// <summary>
/// Picks the Redis mode. Probes are passed in and run lazily, in order of preference, so an explicit mode never
/// waits on a probe and a healthy container runtime is never followed by a PATH search.
/// </summary>
public static class RedisModeSelector
{
    public static RedisMode Choose(RedisMode configured, Func<bool> containerRuntimeIsHealthy, Func<string?> findRedisServer)
    {
        if (configured != RedisMode.Auto)
        {
            return configured;
        }

        if (containerRuntimeIsHealthy())
        {
            return RedisMode.Container;
        }

        return findRedisServer() is not null ? RedisMode.Server : RedisMode.Embedded;
    }
}
