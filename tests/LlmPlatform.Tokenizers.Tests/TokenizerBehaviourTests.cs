using System.Text;

namespace LlmPlatform.Tokenizers.Tests;

public sealed class TokenizerBehaviourTests
{
    [Fact]
    public void Decoding_an_id_outside_the_vocabulary_names_the_id()
    {
        var tokenizer = TokenizerFixtures.Tokenizer("llama3");

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([1, tokenizer.VocabSize + 5]));
        Assert.Contains((tokenizer.VocabSize + 5).ToString(), error.Message);
    }

    [Fact]
    public void Special_tokens_are_single_ids_and_skipped_on_request()
    {
        var tokenizer = TokenizerFixtures.Tokenizer("qwen3");
        var imStart = tokenizer.TokenToId("<|im_start|>")!.Value;

        var ids = tokenizer.Encode("<|im_start|>user\nhi<|im_end|>");

        Assert.Equal(imStart, ids[0]);
        Assert.True(tokenizer.IsSpecial(imStart));
        Assert.Equal("user\nhi", tokenizer.Decode(ids, skipSpecialTokens: true));
        Assert.Equal("<|im_start|>user\nhi<|im_end|>", tokenizer.Decode(ids));
    }

    [Fact]
    public void The_config_supplies_special_tokens_and_the_chat_template()
    {
        var config = TokenizerFixtures.Tokenizer("llama3").Config;

        Assert.Equal("<|begin_of_text|>", config.BosToken);
        Assert.NotNull(config.ChatTemplate);
        Assert.Contains("start_header_id", config.ChatTemplate);
    }

    [Fact]
    public void A_component_type_that_is_not_supported_is_named_at_load_time()
    {
        var json = """{"added_tokens": [], "normalizer": {"type": "Precompiled", "precompiled_charsmap": ""}, "pre_tokenizer": null, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}""";

        var error = Assert.Throws<NotSupportedException>(() => HfTokenizer.FromJson(new MemoryStream(Encoding.UTF8.GetBytes(json)), TokenizerConfig.Empty));
        Assert.Contains("Precompiled", error.Message);
    }

    [Fact]
    public void Byte_fallback_spells_characters_outside_the_vocabulary_as_bytes()
    {
        var tokenizer = TokenizerFixtures.Tokenizer("llama2");

        var ids = tokenizer.Encode("🦙", addSpecialTokens: false);

        Assert.Equal(["▁", "<0xF0>", "<0x9F>", "<0xA6>", "<0x99>"], ids.Select(id => tokenizer.IdToToken(id)));
        Assert.Equal("🦙", tokenizer.Decode(ids));
    }
}
