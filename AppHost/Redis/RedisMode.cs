namespace LlmPlatform.AppHost.Redis;

/// <summary>Where the platform's Redis comes from (<c>Platform:Redis:Mode</c>).</summary>
public enum RedisMode
{
    /// <summary>Container if a container runtime is healthy, else redis-server if installed, else embedded Garnet.</summary>
    Auto,

    /// <summary>The Redis container image, through Aspire's Redis integration.</summary>
    Container,

    /// <summary>A <c>redis-server</c> found on PATH, run as an executable resource.</summary>
    Server,

    /// <summary>Microsoft Garnet, a Redis-protocol server, inside the AppHost process: nothing to install.</summary>
    Embedded,

    /// <summary>An existing server named by <c>ConnectionStrings:redis</c> (a managed Redis, say).</summary>
    External,
}
