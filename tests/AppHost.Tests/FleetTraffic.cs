using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;

namespace LlmPlatform.AppHost.Tests;

/// <summary>One request of <see cref="FleetTraffic"/>: when it was sent, where it went, and how it ended.</summary>
public sealed record SentRequest(TimeSpan SentAt, int Status, string? RoutedTo, string? Error);

/// <summary>
/// Steady load on the Router for fault tests: several clients, each sending small non-streamed completions one after
/// another (distinct token-id prompts, so they spread by load), recording every outcome until stopped.
/// </summary>
public sealed class FleetTraffic : IAsyncDisposable
{
    private readonly HttpClient router;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentQueue<SentRequest> sent = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly Task[] clients;

    public FleetTraffic(HttpClient router, int clients)
    {
        this.router = router;
        this.clients = [.. Enumerable.Range(0, clients).Select(client => Task.Run(() => SendUntilStopped(client)))];
    }

    public TimeSpan Elapsed => clock.Elapsed;

    public IReadOnlyCollection<SentRequest> Sent => sent;

    public async Task<IReadOnlyList<SentRequest>> StopAsync()
    {
        await stop.CancelAsync();
        await Task.WhenAll(clients);
        return [.. sent];
    }

    private async Task SendUntilStopped(int client)
    {
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var sentAt = clock.Elapsed;
            var prompt = Enumerable.Range(0, 40).Select(t => 5_000 + 997 * client + 31 * i + t);
            try
            {
                // Not tied to the stop signal: a request already sent is always seen to its end.
                using var response = await router.PostAsJsonAsync("/v1/completions", new { prompt, max_tokens = 4 });
                var body = await response.Content.ReadAsStringAsync();
                var routedTo = response.Headers.TryGetValues("X-Routed-To", out var workers) ? workers.Single() : null;
                sent.Enqueue(new SentRequest(sentAt, (int)response.StatusCode, routedTo, response.IsSuccessStatusCode ? null : body));
            }
            catch (HttpRequestException e)
            {
                sent.Enqueue(new SentRequest(sentAt, 0, null, e.Message));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        stop.Dispose();
    }
}
