using System.Text.Json.Nodes;
using Grpc.Core;
using LlmPlatform.Contracts.Tokenizer;
using LlmPlatform.Tokenizers;

namespace LlmPlatform.TokenizerService.Tests;

public sealed class TokenizerServiceTests(TokenizerServiceFixture service) : IClassFixture<TokenizerServiceFixture>
{
    private const string Conversation = """[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi 👋"}]""";

    [Fact]
    public async Task Lists_every_configured_model_by_directory_name()
    {
        var models = await service.Client.ListModelsAsync(new ListModelsRequest());

        Assert.Equal(["bert", "gpt2", "llama3"], models.Models);
    }

    [Theory]
    [InlineData("gpt2", true)]
    [InlineData("llama3", true)]
    [InlineData("llama3", false)]
    [InlineData("bert", true)]
    public async Task Encode_gives_the_ids_of_the_tokenizer_library(string model, bool addSpecialTokens)
    {
        const string text = "Hello there, 世界! <|im_start|> 👨‍👩‍👧";
        var expected = HfTokenizer.FromDirectory(service.DirectoryOf(model)).Encode(text, addSpecialTokens);

        var response = await service.Client.EncodeAsync(new EncodeRequest { Model = model, Text = text, AddSpecialTokens = addSpecialTokens });

        Assert.Equal(expected, response.Ids);
    }

    [Fact]
    public async Task Decode_round_trips_and_can_skip_special_tokens()
    {
        var encoded = await service.Client.EncodeAsync(new EncodeRequest { Model = "llama3", Text = "<|begin_of_text|>Streaming ✓" });
        var request = new DecodeRequest { Model = "llama3", SkipSpecialTokens = true };
        request.Ids.AddRange(encoded.Ids);

        var skipped = await service.Client.DecodeAsync(request);
        request.SkipSpecialTokens = false;
        var kept = await service.Client.DecodeAsync(request);

        Assert.Equal("Streaming ✓", skipped.Text);
        Assert.Equal("<|begin_of_text|>Streaming ✓", kept.Text);
    }

    [Fact]
    public async Task Renders_the_models_chat_template_and_tokenizes_the_prompt()
    {
        var response = await service.Client.RenderChatAsync(new RenderChatRequest { Model = "gpt2", MessagesJson = Conversation, AddGenerationPrompt = true, Tokenize = true });

        Assert.Equal("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi 👋<|im_end|>\n<|im_start|>assistant\n", response.Prompt);
        Assert.Equal(HfTokenizer.FromDirectory(service.DirectoryOf("gpt2")).Encode(response.Prompt, addSpecialTokens: false), response.Ids);
    }

    [Fact]
    public async Task Llama3_template_writes_the_bos_token_from_the_tokenizer_config()
    {
        var response = await service.Client.RenderChatAsync(new RenderChatRequest { Model = "llama3", MessagesJson = Conversation });

        Assert.Equal(
            "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi 👋<|eot_id|>" +
            "<|start_header_id|>assistant<|end_header_id|>\n\n",
            response.Prompt);
    }

    [Fact]
    public async Task Template_keyword_arguments_reach_the_template()
    {
        var request = new RenderChatRequest
        {
            Model = "gpt2",
            MessagesJson = Conversation,
            ChatTemplate = "{{ greeting }}, {{ messages | length }} messages{% if tools is none %}, no tools{% endif %}",
            TemplateKwargsJson = """{"greeting": "Hello"}""",
        };

        var response = await service.Client.RenderChatAsync(request);

        Assert.Equal("Hello, 2 messages, no tools", response.Prompt);
    }

    [Fact]
    public async Task Model_info_reports_vocabulary_special_tokens_and_template()
    {
        var info = await service.Client.GetModelInfoAsync(new ModelInfoRequest { Model = "llama3" });
        var bert = await service.Client.GetModelInfoAsync(new ModelInfoRequest { Model = "bert" });

        Assert.Equal(128256, info.VocabSize);
        Assert.Equal("<|begin_of_text|>", info.BosToken);
        Assert.True(info.HasChatTemplate);
        Assert.Contains(info.SpecialTokens, t => t.Content == "<|eot_id|>" && t.Id == 128009);
        Assert.False(bert.HasChatTemplate);
        Assert.Equal(512, bert.MaxLength);
    }

    [Fact]
    public async Task An_unknown_model_is_not_found_and_names_the_served_ones()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => service.Client.EncodeAsync(new EncodeRequest { Model = "gpt-5", Text = "x" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Contains("'gpt-5'", error.Status.Detail);
        Assert.Contains("llama3", error.Status.Detail);
    }

    [Fact]
    public async Task Ids_outside_the_vocabulary_are_out_of_range()
    {
        var request = new DecodeRequest { Model = "gpt2" };
        request.Ids.AddRange([15496, 999_999]);

        var error = await Assert.ThrowsAsync<RpcException>(() => service.Client.DecodeAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.OutOfRange, error.StatusCode);
        Assert.Contains("999999", error.Status.Detail);
    }

    [Fact]
    public async Task A_template_that_raises_returns_its_own_message_as_invalid_argument()
    {
        var request = new RenderChatRequest { Model = "gpt2", MessagesJson = Conversation, ChatTemplate = "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}" };

        var error = await Assert.ThrowsAsync<RpcException>(() => service.Client.RenderChatAsync(request).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("Conversation roles must alternate user/assistant/user/assistant/...", error.Status.Detail);
    }

    [Theory]
    [InlineData("{% for m in messages %}{{ m.content }}", "[]", StatusCode.InvalidArgument, "rendered")]
    [InlineData("", "{\"role\": \"user\"}", StatusCode.InvalidArgument, "messages_json")]
    [InlineData("", "[{\"role\": ", StatusCode.InvalidArgument, "not valid JSON")]
    public async Task Malformed_templates_and_messages_are_invalid_arguments(string template, string messages, StatusCode expected, string detail)
    {
        var request = new RenderChatRequest { Model = "gpt2", MessagesJson = messages, ChatTemplate = template };

        var error = await Assert.ThrowsAsync<RpcException>(() => service.Client.RenderChatAsync(request).ResponseAsync);

        Assert.Equal(expected, error.StatusCode);
        Assert.Contains(detail, error.Status.Detail);
    }

    [Fact]
    public async Task By_default_the_service_refuses_templates_sent_with_requests()
    {
        var (app, client) = await service.StartAnotherAsync();
        await using var _ = app;

        var error = await Assert.ThrowsAsync<RpcException>(() => client.RenderChatAsync(new RenderChatRequest { Model = "gpt2", MessagesJson = Conversation, ChatTemplate = "{{ messages }}" }).ResponseAsync);
        var withModelTemplate = await client.RenderChatAsync(new RenderChatRequest { Model = "gpt2", MessagesJson = Conversation });

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("TrustRequestChatTemplate", error.Status.Detail);
        Assert.StartsWith("<|im_start|>system", withModelTemplate.Prompt);
    }

    [Fact]
    public async Task A_model_without_a_chat_template_needs_one_in_the_request()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => service.Client.RenderChatAsync(new RenderChatRequest { Model = "bert", MessagesJson = Conversation }).ResponseAsync);

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("no chat template", error.Status.Detail);
    }

    [Fact]
    public async Task Oversized_input_is_refused_and_the_service_keeps_serving()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => service.Client.EncodeAsync(new EncodeRequest { Model = "gpt2", Text = new string('a', TokenizerServiceFixture.MaxInputChars + 1) }).ResponseAsync);
        var after = await service.Client.EncodeAsync(new EncodeRequest { Model = "gpt2", Text = "still here" });

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains($"limit of {TokenizerServiceFixture.MaxInputChars}", error.Status.Detail);
        Assert.NotEmpty(after.Ids);
    }
}
