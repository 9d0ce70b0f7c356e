using LlmPlatform.AppHost.Redis;

namespace LlmPlatform.AppHost.Tests;

public sealed class RedisModeSelectorTests
{
    [Theory]
    [InlineData(true, "/usr/bin/redis-server", RedisMode.Container)]
    [InlineData(true, null, RedisMode.Container)]
    [InlineData(false, "/usr/bin/redis-server", RedisMode.Server)]
    [InlineData(false, null, RedisMode.Embedded)]
    public void Auto_prefers_a_container_then_redis_server_then_embedded_garnet(bool containerRuntimeHealthy, string? redisServer, RedisMode expected)
    {
        Assert.Equal(expected, RedisModeSelector.Choose(RedisMode.Auto, () => containerRuntimeHealthy, () => redisServer));
    }

    [Theory]
    [InlineData(RedisMode.Container)]
    [InlineData(RedisMode.Server)]
    [InlineData(RedisMode.Embedded)]
    [InlineData(RedisMode.External)]
    public void An_explicit_mode_wins_without_probing_anything(RedisMode configured)
    {
        var probes = 0;

        var chosen = RedisModeSelector.Choose(configured, () => ++probes > 0, () => (++probes).ToString());

        Assert.Equal(configured, chosen);
        Assert.Equal(0, probes);
    }

    [Fact]
    public void A_healthy_container_runtime_stops_the_search_for_redis_server()
    {
        var searchedPath = false;

        RedisModeSelector.Choose(RedisMode.Auto, () => true, () => { searchedPath = true; return null; });

        Assert.False(searchedPath);
    }
}
