using System.Collections.Concurrent;
using System.Diagnostics;
using LlmPlatform.Bench.Client;
using LlmPlatform.Bench.Results;
using LlmPlatform.Bench.Workloads;

namespace LlmPlatform.Bench.Running;

/// <summary>How requests are released: by arrival rate, capped by concurrency, bounded by count or time.</summary>
public sealed record RunLimits(double RequestRate, double Burstiness, int? MaxConcurrency, double? DurationSeconds, int Seed);

/// <summary>
/// Sends a workload's conversations at their arrival times and records every turn. A conversation's turns go one
/// after another, each as soon as the previous reply is complete; turns of different conversations overlap freely.
/// Texts for chat requests are prepared before the clock starts, so the measured run is only serving.
/// </summary>
public sealed class BenchmarkRunner(OpenAiClient client, RunLimits limits, IProgress<(int Done, int Total)>? progress = null)
{
    private readonly ConcurrentDictionary<IReadOnlyList<int>, string> texts = new(ReferenceEqualityComparer.Instance);

    /// <summary>Runs <paramref name="conversations"/>; returns every request's record and the run's wall time.</summary>
    public async Task<(IReadOnlyList<RequestRecord> Requests, double DurationSeconds)> RunAsync(IReadOnlyList<Conversation> conversations, CancellationToken cancellation)
    {
        await PrepareTextsAsync(conversations, cancellation);
        var arrivals = ArrivalSchedule.Times(conversations.Count, limits.RequestRate, limits.Burstiness, limits.Seed);
        var total = conversations.Sum(c => c.Turns.Count);
        var records = new ConcurrentBag<RequestRecord>();
        using var slots = limits.MaxConcurrency is { } max ? new SemaphoreSlim(max) : null;
        var nextIndex = -1;
        var clock = Stopwatch.StartNew();
        var running = new List<Task>();
        for (var i = 0; i < conversations.Count; i++)
        {
            var wait = TimeSpan.FromSeconds(arrivals[i]) - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellation);
            }

            if (limits.DurationSeconds is { } duration && clock.Elapsed.TotalSeconds >= duration)
            {
                break;
            }

            var conversation = conversations[i];
            running.Add(Task.Run(async () =>
            {
                var history = new List<(string User, string Assistant)>();
                foreach (var turn in conversation.Turns)
                {
                    if (slots is not null)
                    {
                        await slots.WaitAsync(cancellation);
                    }

                    var sentAt = clock.Elapsed.TotalSeconds;
                    var user = Text(turn.UserTokens);
                    var prompt = client.PromptOf(conversation, history, user, turn.UserTokens, conversation.SystemTokens is { } system ? Text(system) : null);
                    TurnOutcome outcome;
                    try
                    {
                        outcome = await client.SendAsync(prompt, turn.OutputTokens, cancellation);
                        history.Add((user, outcome.Reply));
                    }
                    finally
                    {
                        slots?.Release();
                    }

                    records.Add(new RequestRecord(Interlocked.Increment(ref nextIndex), conversation.Tag, sentAt, outcome.Success, outcome.Error, outcome.PromptTokens,
                        outcome.OutputTokens, outcome.CachedTokens, outcome.Ttft, outcome.E2eLatency, outcome.InterTokenLatencies, outcome.Routing) { Prompt = prompt });
                    progress?.Report((records.Count, total));
                    if (!outcome.Success)
                    {
                        // The rest of a conversation would build on a reply that never came.
                        break;
                    }
                }
            }, cancellation));
        }

        await Task.WhenAll(running);
        return (records.OrderBy(r => r.SentAt).ThenBy(r => r.Index).ToList(), clock.Elapsed.TotalSeconds);
    }

    private string Text(IReadOnlyList<int> tokens) => client.Endpoint == "chat" ? texts[tokens] : "";

    private async Task PrepareTextsAsync(IReadOnlyList<Conversation> conversations, CancellationToken cancellation)
    {
        if (client.Endpoint != "chat")
        {
            return;
        }

        var pieces = conversations.SelectMany(c => c.Turns.Select(t => t.UserTokens).Prepend(c.SystemTokens)).OfType<IReadOnlyList<int>>();
        foreach (var tokens in pieces)
        {
            if (!texts.ContainsKey(tokens))
            {
                texts[tokens] = await client.DetokenizeAsync(tokens, cancellation);
            }
        }
    }
}
