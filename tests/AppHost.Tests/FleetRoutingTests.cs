using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;
using LlmPlatform.Routing;

namespace LlmPlatform.AppHost.Tests;

/// <summary>
/// Routing across three real workers with a real Redis-protocol server: conversations stay with the worker holding
/// their history, and neither a worker's death nor Redis stopping fails a request that had not started. Each test
/// leaves the fleet usable by the others, in any order.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class FleetRoutingTests(FleetFixture fleet)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Conversations_with_distinct_system_prompts_stay_with_the_worker_holding_their_history()
    {
        using var router = Router();
        // Long system prompts, so that a conversation's history outweighs a couple of requests' load on its worker.
        var conversations = Enumerable.Range(0, 6).Select(c => new List<object>
        {
            new { role = "system", content = $"You are assistant {c}. " + string.Join(' ', Enumerable.Range(0, 200).Select(i => $"tenant{c}-rule{i}")) },
        }).ToList();
        var previous = new (int Prompt, string Worker)[conversations.Count];
        var indexedBefore = (await RouterFleet(router)).GetProperty("indexed_blocks").GetInt32();

        for (var turn = 0; turn < 3; turn++)
        {
            var answers = await Task.WhenAll(conversations.Select(async (messages, c) =>
            {
                messages.Add(new { role = "user", content = $"Question {turn} of conversation {c}?" });
                using var response = await router.PostAsJsonAsync("/v1/chat/completions", new { messages, max_tokens = 4, temperature = 0 });
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                messages.Add(new { role = "assistant", content = body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString() });
                var usage = body.GetProperty("usage");
                return (Prompt: usage.GetProperty("prompt_tokens").GetInt32(), Cached: usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32(),
                    Worker: response.Headers.GetValues("X-Routed-To").Single(), Decision: response.Headers.GetValues("X-Routing-Decision").Single());
            }));

            for (var c = 0; c < answers.Length && turn > 0; c++)
            {
                // The previous turn's prompt is a prefix of this one: every full block of it is on the worker that served it.
                var history = previous[c].Prompt / 16 * 16;
                Assert.True(answers[c].Worker == previous[c].Worker && answers[c].Cached >= history,
                    $"Conversation {c}, turn {turn}: {answers[c].Cached} of {answers[c].Prompt} tokens cached on {answers[c].Worker} ({answers[c].Decision}); its history of {history} is on {previous[c].Worker}.");
                Assert.StartsWith("kv-aware; cache-hit", answers[c].Decision);
            }

            previous = [.. answers.Select(a => (a.Prompt, a.Worker))];
            // A chat client's next turn comes after its reader has read the answer; here, once the Router's index holds
            // every prompt's full blocks (earlier turns' blocks are their prefixes, already counted).
            var indexed = indexedBefore + answers.Sum(a => a.Prompt / 16);
            await WaitFor(router, view => view.GetProperty("indexed_blocks").GetInt32() >= indexed, "the Router's index to hold every prompt's blocks");
        }

        Assert.True(previous.Select(p => p.Worker).Distinct().Count() >= 2, $"Six conversations all went to {previous[0].Worker}.");
    }

    [Fact]
    public async Task A_killed_worker_is_ejected_and_its_traffic_moves_on_without_a_failed_request()
    {
        using var router = Router();
        var victim = FleetFixture.Workers[^1];
        await WaitFor(router, view => Workers(view).Contains(victim), $"{victim} to be in the fleet");
        await using var traffic = new FleetTraffic(router, clients: 4);
        await WaitUntil(() => traffic.Sent.Any(r => r.RoutedTo == victim), $"traffic to reach {victim}");

        fleet.KillWorker(victim);
        var killedAt = traffic.Elapsed;
        // Its registration lapses with its lease; until then requests sent to it are retried on another worker.
        await WaitFor(router, view => !Workers(view).Contains(victim), $"{victim} to leave the fleet view");
        var ejectedAt = traffic.Elapsed;
        await Task.Delay(TimeSpan.FromSeconds(1));
        var sent = await traffic.StopAsync();

        Assert.Empty(sent.Where(r => r.Status != 200).Select(r => $"{r.Status} at {r.SentAt}: {r.Error}"));
        Assert.Contains(sent, r => r.SentAt > ejectedAt);
        Assert.DoesNotContain(sent, r => r.SentAt > killedAt && r.RoutedTo == victim);
        Assert.True(ejectedAt - killedAt < FleetKeys.Lease + TimeSpan.FromSeconds(2), $"Ejected {ejectedAt - killedAt} after the kill.");
    }

    [Fact]
    public async Task Requests_go_on_while_Redis_is_stopped_and_the_fleet_view_recovers_when_it_returns()
    {
        using var router = Router();
        var live = Workers(await RouterFleet(router));
        await using var traffic = new FleetTraffic(router, clients: 3);
        await WaitUntil(() => traffic.Sent.Count >= 3, "traffic to flow");

        await fleet.StopRedisAsync();
        await WaitFor(router, view => !view.GetProperty("current").GetBoolean(), "the Router to notice Redis is gone");
        // Longer than a lease: without Redis no registration can be renewed, and the last view must stay.
        var outage = traffic.Sent.Count;
        await Task.Delay(FleetKeys.Lease + TimeSpan.FromSeconds(1));
        Assert.True(live.SetEquals(Workers(await RouterFleet(router))), "The fleet view changed while Redis was stopped.");
        Assert.True(traffic.Sent.Count > outage, "No request completed while Redis was stopped.");

        fleet.StartRedis();
        // Redis comes back empty: the workers register again and resend their block sets.
        await WaitFor(router, view => view.GetProperty("current").GetBoolean() && Workers(view).SetEquals(live)
            && view.GetProperty("workers").EnumerateArray().All(w => w.GetProperty("cached_blocks").GetInt32() > 0), "the fleet view to be rebuilt");
        var sent = await traffic.StopAsync();

        Assert.Empty(sent.Where(r => r.Status != 200).Select(r => $"{r.Status} at {r.SentAt}: {r.Error}"));
    }

    /// <summary>A plain client: no resilience handler that could hide a failed request by retrying it.</summary>
    private HttpClient Router() => new() { BaseAddress = fleet.App.GetEndpoint("router", "http") };

    private static async Task<JsonElement> RouterFleet(HttpClient router) => await router.GetFromJsonAsync<JsonElement>("/fleet");

    private static HashSet<string> Workers(JsonElement view) => [.. view.GetProperty("workers").EnumerateArray().Select(w => w.GetProperty("id").GetString()!)];

    private static async Task WaitFor(HttpClient router, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition(await RouterFleet(router)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Gave up waiting for {what}.");
            await Task.Delay(100);
        }
    }

    private static async Task WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Gave up waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
