using LlmPlatform.Routing;

namespace LlmPlatform.Routing.Tests;

public sealed class FleetKeysTests
{
    [Fact]
    public void Every_key_and_the_channel_are_under_the_fleets_name()
    {
        var keys = new FleetKeys("prod-eu.1");

        Assert.Equal(["llm:prod-eu.1:workers", "llm:prod-eu.1:kv-events", "llm:prod-eu.1:worker:w-0", "llm:prod-eu.1:kv:w-0"],
            [keys.Workers, keys.KvEvents, keys.Worker("w-0"), keys.Blocks("w-0")]);
        Assert.NotEqual(new FleetKeys("a").Worker("w"), new FleetKeys("b").Worker("w"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void No_name_is_the_default_fleet(string? name)
    {
        Assert.Equal(FleetKeys.DefaultName, new FleetKeys(name).Name);
        Assert.Equal("llm:default:workers", new FleetKeys(name).Workers);
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData("a b")]
    [InlineData("fleet*")]
    public void A_name_that_could_reach_into_another_fleets_keys_is_refused(string name)
    {
        var error = Assert.Throws<ArgumentException>(() => new FleetKeys(name));
        Assert.Contains(FleetKeys.NameConfigurationKey, error.Message);
    }
}
