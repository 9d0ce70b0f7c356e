using System.Net.Http.Json;
using System.Threading.Channels;
using Aspire.Hosting.Testing;
using LlmPlatform.Models.Demo;
using LlmPlatform.PrefixHashing;
using LlmPlatform.Routing;
using StackExchange.Redis;

namespace LlmPlatform.AppHost.Tests;

/// <summary>What the workers of the real platform put in Redis for the Router (docs/contracts.md, "Fleet state in Redis").</summary>
[Collection(PlatformCollection.Name)]
public sealed class FleetStateTests(PlatformFixture platform)
{
    [Fact]
    public async Task Each_worker_registers_its_address_model_and_load_under_a_lease()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await platform.App.GetConnectionStringAsync("redis"))!);
        var database = redis.GetDatabase();

        var registered = await RegisteredWorkers(database);

        Assert.Equal(PlatformFixture.Workers.Length, registered.Count);
        foreach (var (id, entry) in registered)
        {
            // The advertised address is where the Router will send: it must serve this worker's model.
            using var direct = new HttpClient { BaseAddress = new Uri(entry["address"]) };
            var models = await direct.GetFromJsonAsync<System.Text.Json.JsonElement>("/v1/models");
            Assert.Equal(ModelShape.Demo.Name, models.GetProperty("data")[0].GetProperty("id").GetString());
            Assert.Equal(ModelShape.Demo.Name, entry["model"]);
            Assert.Equal("16", entry["block_size"]);
            Assert.True(int.Parse(entry["running"]) >= 0 && double.Parse(entry["kv_usage"], System.Globalization.CultureInfo.InvariantCulture) >= 0);
            var ttl = await database.KeyTimeToLiveAsync(platform.Keys.Worker(id));
            Assert.InRange(ttl!.Value, TimeSpan.FromMilliseconds(1), FleetKeys.Lease);
        }
    }

    [Fact]
    public async Task A_worker_publishes_and_keeps_the_prompt_blocks_it_caches()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await platform.App.GetConnectionStringAsync("redis"))!);
        var database = redis.GetDatabase();
        var (worker, entry) = (await RegisteredWorkers(database)).First();
        var announced = Channel.CreateUnbounded<KvEventMessage>();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(platform.Keys.KvEvents), (_, message) => announced.Writer.TryWrite(KvEventMessage.FromJson(message!)!));
        int[] prompt = [.. Enumerable.Range(0, 48).Select(i => 1000 + 7 * i)];
        var expected = PrefixBlockHasher.HashPrompt(new PrefixHashSeed(ModelShape.Demo.Name, ""), prompt, 16).Select(h => h.ToString()).ToList();

        using var client = new HttpClient { BaseAddress = new Uri(entry["address"]) };
        using var response = await client.PostAsJsonAsync("/v1/completions", new { prompt, max_tokens = 1 });
        response.EnsureSuccessStatusCode();

        var stored = new HashSet<string>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!expected.All(stored.Contains))
        {
            var message = await announced.Reader.ReadAsync(timeout.Token);
            if (message.Worker == worker)
            {
                stored.UnionWith(message.Stored);
            }
        }

        var members = (await database.SetMembersAsync(platform.Keys.Blocks(worker))).Select(m => m.ToString()).ToHashSet();
        Assert.Superset(expected.ToHashSet(), members);
    }

    [Fact]
    public async Task The_router_sees_every_registered_worker_and_the_blocks_each_caches()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await platform.App.GetConnectionStringAsync("redis"))!);
        var registered = await RegisteredWorkers(redis.GetDatabase());
        using var router = platform.App.CreateHttpClient("router");
        var (worker, entry) = registered.Last();
        var before = await RouterFleet(router);
        Assert.True(before.GetProperty("current").GetBoolean());
        Assert.Equal(registered.Keys.Order(), before.GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("id").GetString()!).Order());

        // 64 tokens of a prompt no other test sends: four more full blocks on that worker.
        using var direct = new HttpClient { BaseAddress = new Uri(entry["address"]) };
        using var response = await direct.PostAsJsonAsync("/v1/completions", new { prompt = Enumerable.Range(0, 64).Select(i => 20_000 + 3 * i), max_tokens = 1 });
        response.EnsureSuccessStatusCode();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (CachedBlocks(await RouterFleet(router), worker) < CachedBlocks(before, worker) + 4)
        {
            Assert.True(DateTime.UtcNow < deadline, "The Router's index did not follow the worker's KV events.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task The_router_sees_only_the_workers_of_its_own_fleet()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync((await platform.App.GetConnectionStringAsync("redis"))!);
        var database = redis.GetDatabase();
        var (worker, entry) = (await RegisteredWorkers(database)).First();
        using var router = platform.App.CreateHttpClient("router");
        // A registration like a real worker's (its address too, so routing to it works), heartbeating under a fleet's keys:
        // another platform sharing this Redis, or this platform's previous run still shutting down.
        var stranger = worker + "-elsewhere";
        async Task<bool> Seen(FleetKeys fleet)
        {
            for (var beat = 0; beat < 8; beat++)
            {
                await database.SortedSetAddAsync(fleet.Workers, stranger, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                await database.HashSetAsync(fleet.Worker(stranger), [.. entry.Select(f => new HashEntry(f.Key, f.Value))]);
                await database.KeyExpireAsync(fleet.Worker(stranger), FleetKeys.Lease);
                await Task.Delay(FleetKeys.HeartbeatInterval);
            }

            var ids = (await RouterFleet(router)).GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("id").GetString()).ToList();
            Assert.Contains(worker, ids);
            await database.SortedSetRemoveAsync(fleet.Workers, stranger);
            await database.KeyDeleteAsync(fleet.Worker(stranger));
            return ids.Contains(stranger);
        }

        Assert.False(await Seen(new FleetKeys(platform.Keys.Name + "-other")));
        // The same registration under this platform's fleet is seen: the one above was left out for its fleet alone.
        Assert.True(await Seen(platform.Keys));
        var deadline = DateTime.UtcNow + FleetKeys.Lease;
        while ((await RouterFleet(router)).GetProperty("workers").EnumerateArray().Any(w => w.GetProperty("id").GetString() == stranger))
        {
            Assert.True(DateTime.UtcNow < deadline, "The removed registration stayed in the Router's view.");
            await Task.Delay(100);
        }
    }

    private static async Task<System.Text.Json.JsonElement> RouterFleet(HttpClient router) => await router.GetFromJsonAsync<System.Text.Json.JsonElement>("/fleet");

    private static int CachedBlocks(System.Text.Json.JsonElement fleet, string worker) =>
        fleet.GetProperty("workers").EnumerateArray().Single(w => w.GetProperty("id").GetString() == worker).GetProperty("cached_blocks").GetInt32();

    private async Task<Dictionary<string, Dictionary<string, string>>> RegisteredWorkers(IDatabase database)
    {
        var ids = (await database.SortedSetRangeByRankAsync(platform.Keys.Workers)).Select(id => id.ToString()).ToList();
        var entries = new Dictionary<string, Dictionary<string, string>>();
        foreach (var id in ids)
        {
            var fields = await database.HashGetAllAsync(platform.Keys.Worker(id));
            entries[id] = fields.ToDictionary(f => f.Name.ToString(), f => f.Value.ToString());
        }

        return entries;
    }
}
