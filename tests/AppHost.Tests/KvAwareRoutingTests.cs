using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.Testing;

namespace LlmPlatform.AppHost.Tests;

/// <summary>
/// Requests through the Router of the real platform land on the worker that already holds their prefix: each turn of
/// a growing conversation finds the previous turns cached (<c>cached_tokens</c> in usage), whichever worker it is.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class KvAwareRoutingTests(PlatformFixture platform)
{
    [Fact]
    public async Task Each_turn_of_a_conversation_of_token_ids_finds_the_previous_turns_cached()
    {
        using var router = platform.App.CreateHttpClient("router");
        var conversation = Enumerable.Range(0, 100).Select(i => 30_000 + 11 * i).ToList();

        for (var turn = 0; turn < 4; turn++)
        {
            var blocksBefore = await IndexedBlocks(router);
            var usage = await Complete(router, "/v1/completions", new { prompt = conversation, max_tokens = 1 });
            if (turn > 0)
            {
                // Every full block of the previous turn's prompt was cached on the chosen worker.
                Assert.True(usage.Cached >= (conversation.Count - 40) / 16 * 16, $"Turn {turn}: {usage.Cached} of {usage.Prompt} prompt tokens cached ({usage.Decision}).");
                Assert.Contains("cache-hit", usage.Decision);
            }

            await WaitForTheIndexToGrow(router, blocksBefore);
            conversation.AddRange(Enumerable.Range(0, 40).Select(i => 31_000 + 13 * i + 101 * turn));
        }
    }

    [Fact]
    public async Task A_chat_with_a_long_system_prompt_finds_it_cached_on_its_next_turn()
    {
        using var router = platform.App.CreateHttpClient("router");
        var system = string.Join(' ', Enumerable.Range(0, 120).Select(i => $"rule{i}"));
        // The system prompt in typed text parts: the Router must join them as the worker does, or no block would match.
        object[] systemParts = [new { type = "text", text = system }, new { type = "text", text = "Be brief." }];
        var messages = new List<object> { new { role = "system", content = systemParts }, new { role = "user", content = "First question?" } };

        var blocksBefore = await IndexedBlocks(router);
        var first = await Complete(router, "/v1/chat/completions", new { messages, max_tokens = 1 });
        await WaitForTheIndexToGrow(router, blocksBefore);
        messages.Add(new { role = "assistant", content = "An answer." });
        messages.Add(new { role = "user", content = "Second question?" });
        var second = await Complete(router, "/v1/chat/completions", new { messages, max_tokens = 1 });

        Assert.True(second.Cached >= 160, $"{second.Cached} of {second.Prompt} prompt tokens cached on the second turn ({first.Decision}, then {second.Decision}).");
        Assert.Contains("cache-hit", second.Decision);
        // Scored on the first turn's ids, which the Router kept, without waiting on the Tokenizer service.
        Assert.Contains("prompt=prefix", second.Decision);
    }

    [Fact]
    public async Task The_routers_prompt_cache_answers_a_tenant_only_with_its_own_prompts()
    {
        using var router = platform.App.CreateHttpClient("router");
        object[] messages = [new { role = "system", content = $"Tenant isolation probe {Guid.NewGuid():N}." }, new { role = "user", content = "Same words for both." }];

        var first = await Complete(router, "/v1/chat/completions", new { messages, max_tokens = 1, cache_salt = "tenant-a" });
        var again = await Complete(router, "/v1/chat/completions", new { messages, max_tokens = 1, cache_salt = "tenant-a" });
        var other = await Complete(router, "/v1/chat/completions", new { messages, max_tokens = 1, cache_salt = "tenant-b" });

        Assert.Contains("prompt=miss", first.Decision);
        Assert.Contains("prompt=hit", again.Decision);
        // Had it been answered from tenant-a's entry, its routing time would tell tenant-b what tenant-a sent.
        Assert.Contains("prompt=miss", other.Decision);
        Assert.Equal(first.Prompt, other.Prompt);
    }

    [Fact]
    public async Task The_routers_own_metrics_count_its_decisions_for_prometheus()
    {
        using var router = platform.App.CreateHttpClient("router");
        await Complete(router, "/v1/completions", new { prompt = Enumerable.Range(0, 40).Select(i => 40_000 + i), max_tokens = 1 });

        var text = await router.GetStringAsync("/metrics/router");

        Assert.Matches(@"llm_router_decisions_total\{[^}]*policy=""kv-aware""[^}]*\} [1-9]", text);
        Assert.Contains("llm_router_routing_duration_seconds_bucket{", text);
        Assert.Matches(@"llm_router_workers(_ratio)?\{?[^\n]* 2", text);
    }

    private static async Task<(int Prompt, int Cached, string Decision)> Complete(HttpClient router, string path, object request)
    {
        using var response = await router.PostAsJsonAsync(path, request);
        var usage = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("usage");
        var decision = $"{string.Join(",", response.Headers.GetValues("X-Routed-To"))}: {string.Join(",", response.Headers.GetValues("X-Routing-Decision"))}";
        return (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32(), decision);
    }

    private static async Task<int> IndexedBlocks(HttpClient router) => (await router.GetFromJsonAsync<JsonElement>("/fleet")).GetProperty("indexed_blocks").GetInt32();

    /// <summary>A worker's KV events reach the Router a moment after its response; a chat client's next turn comes later still.</summary>
    private static async Task WaitForTheIndexToGrow(HttpClient router, int before)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await IndexedBlocks(router) <= before && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }
}
