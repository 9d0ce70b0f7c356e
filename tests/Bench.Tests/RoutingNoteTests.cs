using System.Net;
using LlmPlatform.Bench.Client;

namespace LlmPlatform.Bench.Tests;

/// <summary>The bench reads what our Router says about each request, and nothing from servers that say nothing.</summary>
public sealed class RoutingNoteTests
{
    [Fact]
    public void The_routers_decision_header_gives_worker_prediction_and_time()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.OK);
        response.Headers.Add("X-Routed-To", "worker-1");
        response.Headers.Add("X-Routing-Decision", "kv-aware; cache-hit; predicted_cached_tokens=512; routing_ms=0.412; prompt=prefix");

        var note = RoutingNote.From(response);

        Assert.NotNull(note);
        Assert.Equal(("worker-1", 512, 0.412, "prefix"), (note.Worker, note.PredictedCachedTokens, note.RoutingMs, note.PromptLookup));
        Assert.Null(RoutingNote.From(new HttpResponseMessage(HttpStatusCode.OK)));
    }

    [Fact]
    public void A_decision_without_a_scored_prompt_names_no_lookup()
    {
        Assert.Null(new RoutingNote("worker-0", "round-robin; round-robin; predicted_cached_tokens=0; routing_ms=0.050", 0, 0.05).PromptLookup);
    }
}
