using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.Testing;
using LlmPlatform.Models.Demo;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using AiChatRole = Microsoft.Extensions.AI.ChatRole;
using ChatFinishReason = OpenAI.Chat.ChatFinishReason;

namespace LlmPlatform.AppHost.Tests;

/// <summary>
/// The OpenAI API through the Router of the real platform (two workers, the demo model), with the clients users
/// bring: the official OpenAI .NET SDK, Microsoft.Extensions.AI's IChatClient, and plain HTTP for legacy completions
/// (which the SDK no longer has). Every request is greedy, so two ways of asking must give the same text.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class OpenAiApiTests(PlatformFixture platform)
{
    private static readonly string Model = ModelShape.Demo.Name;

    private OpenAIClient Sdk => new(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(platform.App.GetEndpoint("router", "http"), "/v1") });

    private static List<OpenAI.Chat.ChatMessage> Conversation => [new SystemChatMessage("Be brief."), new UserChatMessage("What is a KV cache?")];

    private static ChatCompletionOptions Greedy => new() { Temperature = 0, MaxOutputTokenCount = 6 };

    [Fact]
    public async Task The_sdk_lists_the_served_model()
    {
        var models = await Sdk.GetOpenAIModelClient().GetModelsAsync();

        Assert.Equal([Model], models.Value.Select(m => m.Id));
    }

    [Fact]
    public async Task Sdk_chat_answers_with_usage_that_matches_tokenize()
    {
        var completion = (await Sdk.GetChatClient(Model).CompleteChatAsync(Conversation, Greedy)).Value;

        Assert.StartsWith("chatcmpl-", completion.Id);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        Assert.Equal(Model, completion.Model);
        Assert.Contains(completion.FinishReason, new[] { ChatFinishReason.Stop, ChatFinishReason.Length });
        Assert.Equal(await TokenizedMessagesCount(), completion.Usage.InputTokenCount);
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 6);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        Assert.InRange(completion.Usage.InputTokenDetails.CachedTokenCount, 0, completion.Usage.InputTokenCount);
    }

    [Fact]
    public async Task Sdk_streaming_chat_gives_the_same_text_finish_and_usage_as_the_whole_answer()
    {
        var chat = Sdk.GetChatClient(Model);
        var whole = (await chat.CompleteChatAsync(Conversation, Greedy)).Value;

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(Conversation, Greedy))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(part => part.Text)));
            finish = update.FinishReason ?? finish;
            usage ??= update.Usage;
        }

        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal(whole.FinishReason, finish);
        Assert.NotNull(usage);
        Assert.Equal((whole.Usage.InputTokenCount, whole.Usage.OutputTokenCount), (usage.InputTokenCount, usage.OutputTokenCount));
    }

    [Fact]
    public async Task Microsoft_extensions_ai_chat_client_gets_the_same_answer_streamed_and_whole()
    {
        var sdkAnswer = (await Sdk.GetChatClient(Model).CompleteChatAsync(Conversation, Greedy)).Value.Content[0].Text;
        using var client = Sdk.GetChatClient(Model).AsIChatClient();
        List<AiChatMessage> messages = [new(AiChatRole.System, "Be brief."), new(AiChatRole.User, "What is a KV cache?")];
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 6 };

        var response = await client.GetResponseAsync(messages, options);
        var streamed = new StringBuilder();
        UsageDetails? streamedUsage = null;
        await foreach (var update in client.GetStreamingResponseAsync(messages, options))
        {
            streamed.Append(update.Text);
            streamedUsage ??= update.Contents.OfType<UsageContent>().FirstOrDefault()?.Details;
        }

        Assert.Equal(sdkAnswer, response.Text);
        Assert.Equal(sdkAnswer, streamed.ToString());
        Assert.Equal(await TokenizedMessagesCount(), response.Usage?.InputTokenCount);
        Assert.Equal(response.Usage?.OutputTokenCount, streamedUsage?.OutputTokenCount);
    }

    [Fact]
    public async Task Completions_stream_the_same_text_as_the_whole_answer_and_end_with_done()
    {
        using var router = platform.App.CreateHttpClient("router");
        var request = new { model = Model, prompt = "The paged KV cache", max_tokens = 8, temperature = 0, ignore_eos = true };

        using var whole = await router.PostAsJsonAsync("/v1/completions", request);
        using var body = JsonDocument.Parse(await whole.Content.ReadAsStringAsync());
        var events = await StreamEvents(router, "/v1/completions", new { request.model, request.prompt, request.max_tokens, request.temperature, request.ignore_eos, stream = true, stream_options = new { include_usage = true } });

        var root = body.RootElement;
        Assert.Equal("text_completion", root.GetProperty("object").GetString());
        Assert.Equal("length", root.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(await TokenizedPromptCount(router, request.prompt), root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(8, root.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Equal(root.GetProperty("choices")[0].GetProperty("text").GetString(), string.Concat(chunks.SelectMany(c => c.GetProperty("choices").EnumerateArray()).Select(c => c.GetProperty("text").GetString())));
        Assert.Equal(8, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
    }

    [Fact]
    public async Task X_request_id_is_returned_and_names_the_response()
    {
        using var router = platform.App.CreateHttpClient("router");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(new { prompt = "id", max_tokens = 1 }) };
        request.Headers.Add("X-Request-Id", "trace-me-42");

        using var response = await router.SendAsync(request);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("trace-me-42", Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Equal("cmpl-trace-me-42", body.RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task N_choices_of_several_prompts_are_numbered_per_prompt_and_usage_counts_each_prompt_once()
    {
        using var router = platform.App.CreateHttpClient("router");
        int[][] prompts = [[1, 2, 3, 4], [5, 6, 7]];

        using var response = await router.PostAsJsonAsync("/v1/completions", new { prompt = prompts, n = 2, max_tokens = 3, temperature = 0, ignore_eos = true });
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        var choices = body.RootElement.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2, 3], choices.Select(c => c.GetProperty("index").GetInt32()));
        // Greedy: both choices of a prompt are the same text.
        Assert.Equal(choices[0].GetProperty("text").GetString(), choices[1].GetProperty("text").GetString());
        Assert.Equal(7, body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(12, body.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task The_router_serves_every_workers_vllm_metrics_labelled_by_worker()
    {
        using var router = platform.App.CreateHttpClient("router");

        var lines = (await router.GetStringAsync("/metrics")).Split('\n');

        foreach (var worker in PlatformFixture.Workers)
        {
            Assert.Contains($"vllm:num_requests_running{{worker=\"{worker}\",model_name=\"{Model}\"}} 0.0", lines);
            Assert.Contains(lines, line => line.StartsWith($"vllm:time_to_first_token_seconds_bucket{{worker=\"{worker}\",", StringComparison.Ordinal));
        }

        Assert.Single(lines, "# TYPE vllm:generation_tokens_total counter");
    }

    [Fact]
    public async Task Version_is_answered_through_the_router()
    {
        using var router = platform.App.CreateHttpClient("router");

        var version = await router.GetFromJsonAsync<JsonElement>("/version");

        Assert.Equal("cpu", version.GetProperty("device").GetString());
        Assert.False(string.IsNullOrEmpty(version.GetProperty("version").GetString()));
    }

    private async Task<int> TokenizedMessagesCount()
    {
        using var router = platform.App.CreateHttpClient("router");
        using var response = await router.PostAsJsonAsync("/tokenize", new
        {
            model = Model,
            messages = new object[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "What is a KV cache?" } },
            add_generation_prompt = true,
        });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32();
    }

    private static async Task<int> TokenizedPromptCount(HttpClient router, string prompt)
    {
        using var response = await router.PostAsJsonAsync("/tokenize", new { model = Model, prompt });
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt32();
    }

    /// <summary>The data of every server-sent event of a streamed response, in order.</summary>
    internal static async Task<List<string>> StreamEvents(HttpClient client, string path, object request)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(request) };
        using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var events = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line["data: ".Length..]);
            }
            else
            {
                Assert.True(line.Length == 0, $"Unexpected line in the event stream: '{line}'");
            }
        }

        return events;
    }
}
