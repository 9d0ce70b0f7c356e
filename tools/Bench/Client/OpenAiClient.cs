using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmPlatform.Bench.Workloads;

namespace LlmPlatform.Bench.Client;

/// <summary>A turn's model and prompt as sent: chat messages or token ids.</summary>
public sealed record SentPrompt(string Model, JsonNode Body);

/// <summary>What one streamed request took: its timings, the server's usage counts, and the reply (for the history).</summary>
public sealed record TurnOutcome(bool Success, string? Error, int PromptTokens, int OutputTokens, int CachedTokens, double Ttft, double E2eLatency,
    IReadOnlyList<double> InterTokenLatencies, string Reply, RoutingNote? Routing = null);

/// <summary>
/// What our Router said about a request in its <c>X-Routed-To</c> and <c>X-Routing-Decision</c> headers (absent with
/// other servers): the worker, the reason, the cached tokens it predicted and how long deciding took.
/// </summary>
public sealed record RoutingNote(string Worker, string Decision, int? PredictedCachedTokens, double? RoutingMs)
{
    /// <summary>How the Router found the prompt's ids (hit, prefix, miss, ids), when it says.</summary>
    public string? PromptLookup => Decision.Split(';', StringSplitOptions.TrimEntries).FirstOrDefault(f => f.StartsWith("prompt=", StringComparison.Ordinal))?["prompt=".Length..];

    public static RoutingNote? From(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("X-Routed-To", out var workers) || !response.Headers.TryGetValues("X-Routing-Decision", out var decisions))
        {
            return null;
        }

        var decision = string.Join(",", decisions);
        var fields = decision.Split(';', StringSplitOptions.TrimEntries).Select(f => f.Split('=', 2)).Where(f => f.Length == 2).ToDictionary(f => f[0], f => f[1]);
        return new RoutingNote(string.Join(",", workers), decision,
            fields.TryGetValue("predicted_cached_tokens", out var predicted) && int.TryParse(predicted, System.Globalization.CultureInfo.InvariantCulture, out var tokens) ? tokens : null,
            fields.TryGetValue("routing_ms", out var ms) && double.TryParse(ms, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : null);
    }
}

/// <summary>
/// Streams requests to any OpenAI-compatible server and times them: TTFT is the first chunk carrying text, each
/// later text chunk adds an inter-token latency, and token counts come from the usage chunk
/// (<c>stream_options.include_usage</c>), never from counting chunks. Replies are generated with max_tokens and
/// vLLM's ignore_eos, so every server produces the same number of tokens; greedy unless the body overrides it.
/// </summary>
public sealed class OpenAiClient(HttpClient http, string endpoint, string model, IReadOnlyDictionary<string, string> headers, JsonObject? extraBody) : ITokenizer
{
    public string Endpoint => endpoint;

    /// <summary>What a turn sends as its prompt: the chat messages with the history so far, or the prompt's token ids.</summary>
    public SentPrompt PromptOf(Conversation conversation, IReadOnlyList<(string User, string Assistant)> history, string user, IReadOnlyList<int> userTokens, string? system)
    {
        var served = conversation.Model ?? model;
        if (endpoint != "chat")
        {
            return new SentPrompt(served, new JsonArray([.. (conversation.SystemTokens ?? []).Concat(userTokens).Select(id => (JsonNode)id)]));
        }

        var messages = new JsonArray();
        if (system is not null)
        {
            messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        }

        foreach (var (previousUser, assistant) in history)
        {
            messages.Add(new JsonObject { ["role"] = "user", ["content"] = previousUser });
            messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = assistant });
        }

        messages.Add(new JsonObject { ["role"] = "user", ["content"] = user });
        return new SentPrompt(served, messages);
    }

    public async Task<TurnOutcome> SendAsync(SentPrompt prompt, int outputTokens, CancellationToken cancellation)
    {
        var body = new JsonObject
        {
            ["model"] = prompt.Model,
            ["max_tokens"] = outputTokens,
            ["ignore_eos"] = true,
            ["temperature"] = 0,
            ["stream"] = true,
            ["stream_options"] = new JsonObject { ["include_usage"] = true },
            [endpoint == "chat" ? "messages" : "prompt"] = prompt.Body.DeepClone(),
        };
        foreach (var (name, value) in extraBody ?? [])
        {
            body[name] = value?.DeepClone();
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint == "chat" ? "/v1/chat/completions" : "/v1/completions") { Content = JsonContent.Create(body) };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
            if (!response.IsSuccessStatusCode)
            {
                return Failed($"HTTP {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellation)}", clock);
            }

            return await ReadStreamAsync(response, clock, cancellation) with { Routing = RoutingNote.From(response) };
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            // Refused, reset, or a stream cut off mid-way: a failed request, not a failed benchmark.
            return Failed(e.Message, clock);
        }
    }

    private static async Task<TurnOutcome> ReadStreamAsync(HttpResponseMessage response, Stopwatch clock, CancellationToken cancellation)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellation));
        var reply = new StringBuilder();
        var chunks = new List<double>();
        var (prompt, output, cached) = (0, 0, 0);
        while (await reader.ReadLineAsync(cancellation) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal))
            {
                continue;
            }

            var data = line["data: ".Length..];
            if (data == "[DONE]")
            {
                break;
            }

            var chunk = JsonNode.Parse(data)!;
            if (chunk["error"] is { } error)
            {
                return Failed(error["message"]?.GetValue<string>() ?? error.ToJsonString(), clock);
            }

            var choice = chunk["choices"] is JsonArray { Count: > 0 } choices ? choices[0] : null;
            var text = choice?["text"]?.GetValue<string>() ?? choice?["delta"]?["content"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(text))
            {
                chunks.Add(clock.Elapsed.TotalSeconds);
                reply.Append(text);
            }

            if (chunk["usage"] is JsonObject usage)
            {
                prompt = usage["prompt_tokens"]?.GetValue<int>() ?? 0;
                output = usage["completion_tokens"]?.GetValue<int>() ?? 0;
                cached = usage["prompt_tokens_details"]?["cached_tokens"]?.GetValue<int>() ?? 0;
            }
        }

        var e2e = clock.Elapsed.TotalSeconds;
        if (chunks.Count == 0)
        {
            return Failed("The stream carried no text.", clock);
        }

        var gaps = chunks.Zip(chunks.Skip(1), (a, b) => b - a).ToList();
        return new TurnOutcome(true, null, prompt, output, cached, chunks[0], e2e, gaps, reply.ToString());
    }

    private static TurnOutcome Failed(string error, Stopwatch clock) => new(false, error, 0, 0, 0, 0, clock.Elapsed.TotalSeconds, [], "");

    public async Task<IReadOnlyList<int>> TokenizeAsync(string text, CancellationToken cancellation)
    {
        using var response = await http.PostAsJsonAsync("/tokenize", new { model, prompt = text, add_special_tokens = false }, cancellation);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellation);
        return body.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToList();
    }

    /// <summary>
    /// The token ids the server makes of <paramref name="prompt"/> (<c>/tokenize</c>, with the chat template for
    /// messages, as vLLM's), or null if it cannot say.
    /// </summary>
    public async Task<IReadOnlyList<int>?> PromptIdsAsync(SentPrompt prompt, CancellationToken cancellation)
    {
        if (prompt.Body is not JsonArray { Count: > 0 } body || body[0] is not JsonObject)
        {
            return prompt.Body.AsArray().Select(id => id!.GetValue<int>()).ToList();
        }

        using var response = await http.PostAsJsonAsync("/tokenize", new JsonObject { ["model"] = prompt.Model, ["messages"] = body.DeepClone(), ["add_generation_prompt"] = true },
            cancellation);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        var tokens = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellation)).GetProperty("tokens");
        return tokens.EnumerateArray().Select(t => t.GetInt32()).ToList();
    }

    public async Task<string> DetokenizeAsync(IReadOnlyList<int> tokens, CancellationToken cancellation)
    {
        using var response = await http.PostAsJsonAsync("/detokenize", new { model, tokens }, cancellation);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellation)).GetProperty("prompt").GetString() ?? "";
    }
}
