namespace LlmPlatform.Tokenizers.Tests;

public sealed class StreamingDecodeTests
{
    public static TheoryData<string, bool> Cases()
    {
        var cases = new TheoryData<string, bool>();
        foreach (var family in TokenizerFixtures.Families)
        {
            cases.Add(family, false);
            cases.Add(family, true);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_one_token_at_a_time_concatenates_to_the_full_decode(string family, bool skipSpecialTokens)
    {
        var tokenizer = TokenizerFixtures.Tokenizer(family);
        var ids = tokenizer.Encode(string.Join("\n", Corpus.Lines));
        var decoder = tokenizer.CreateIncrementalDecoder(skipSpecialTokens);

        var streamed = string.Concat(ids.Select(id =>
        {
            var piece = decoder.Add(id);
            Assert.DoesNotContain('\uFFFD', piece);
            return piece;
        }));

        Assert.Equal(tokenizer.Decode(ids, skipSpecialTokens), streamed);
    }

    [Fact]
    public void Flushing_releases_a_held_incomplete_character_as_a_full_decode_shows_it()
    {
        var tokenizer = TokenizerFixtures.Tokenizer("gpt2");
        var emoji = tokenizer.Encode("👋", addSpecialTokens: false);
        var decoder = tokenizer.CreateIncrementalDecoder();

        var streamed = string.Concat(emoji[..^1].Select(decoder.Add)) + decoder.Flush();

        Assert.True(emoji.Length > 1);
        Assert.Equal(tokenizer.Decode(emoji[..^1]), streamed);
        Assert.Contains('\uFFFD', streamed);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Streaming_after_a_prompt_emits_only_the_generated_text(string family, bool skipSpecialTokens)
    {
        var tokenizer = TokenizerFixtures.Tokenizer(family);
        var prompt = tokenizer.Encode("Question: what is in this emoji 👨‍👩‍👧‍👦? Answer:");
        var generated = tokenizer.Encode(" 家族 — a family of four 👨‍👩‍👧‍👦.", addSpecialTokens: false);
        var decoder = tokenizer.CreateIncrementalDecoder(skipSpecialTokens, prompt);

        var streamed = string.Concat(generated.Select(decoder.Add));

        var all = prompt.Concat(generated).ToArray();
        Assert.Equal(tokenizer.Decode(all, skipSpecialTokens), tokenizer.Decode(prompt, skipSpecialTokens) + streamed);
    }
}
