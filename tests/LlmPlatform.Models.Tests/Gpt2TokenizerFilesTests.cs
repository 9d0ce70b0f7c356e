using LlmPlatform.Models.Demo;
using LlmPlatform.Models.HuggingFace;
using Microsoft.ML.Tokenizers;
using HfTokenizer = Tokenizers.DotNet.Tokenizer;

namespace LlmPlatform.Models.Tests;

/// <summary>One written tokenizer.json, loaded by Hugging Face's own Rust tokenizers, shared by the tests below.</summary>
public sealed class WrittenTokenizerFixture : IDisposable
{
    private readonly TempDirectory temp = new();

    public WrittenTokenizerFixture()
    {
        RandomModelWriter.Write(temp.Path, SmallShapes.Tiny());
        HuggingFace = new HfTokenizer(vocabPath: temp.Combine(ModelDirectory.TokenizerFile));
    }

    public HfTokenizer HuggingFace { get; }

    /// <summary>Real GPT-2, from the tiktoken data Microsoft ships: an implementation independent of ours.</summary>
    public Tokenizer RealGpt2 { get; } = TiktokenTokenizer.CreateForModel("gpt2");

    public void Dispose() => temp.Dispose();
}

public sealed class Gpt2TokenizerFilesTests(WrittenTokenizerFixture fixture) : IClassFixture<WrittenTokenizerFixture>
{
    public static TheoryData<string> Corpus => new()
    {
        "Hello, world!",
        "The quick brown fox jumps over the lazy dog.",
        "  leading spaces, trailing spaces   ",
        "tabs\tand\nnew\r\nlines\n\n\n",
        "numbers 1234567890 3.14159 -42 1e-5 0x1F",
        "def add(a, b):\n    return a + b  # sum\n",
        "for (int i = 0; i < n; ++i) { total += xs[i]; }",
        "I'm sure they'll say it's what we've done, isn't it?",
        "Ünïcödé àccents: café, naïve, Zürich, São Paulo",
        "日本語のテキストと中文文本",
        "مرحبا بالعالم",
        "Emoji: 👋🏽 👨‍👩‍👧‍👦 🇺🇳 ❤️",
        "Ελληνικά και русский текст",
        "<|endoftext|> is a word here, not a special token",
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Written_tokenizer_gives_the_ids_of_real_gpt2(string text)
    {
        // Special-token strings are the one place where ids may differ: our file declares <|endoftext|> as special,
        // as GPT-2's own tokenizer.json does, while tiktoken encodes it as plain text unless asked.
        var ours = fixture.HuggingFace.Encode(text).Select(id => (int)id).ToArray();
        var expected = text.Contains(Gpt2Vocabulary.EndOfText, StringComparison.Ordinal)
            ? SplitOnEndOfText(text)
            : fixture.RealGpt2.EncodeToIds(text).ToArray();

        Assert.Equal(expected, ours);
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Decoding_the_ids_gives_back_the_exact_text(string text)
    {
        var withoutSpecials = text.Replace(Gpt2Vocabulary.EndOfText, "", StringComparison.Ordinal);

        Assert.Equal(withoutSpecials, fixture.HuggingFace.Decode(fixture.HuggingFace.Encode(text)));
    }

    [Fact]
    public void ChatML_markers_are_single_special_tokens()
    {
        var vocabulary = Gpt2Vocabulary.Instance;
        var ids = fixture.HuggingFace.Encode("<|im_start|>user\nHi there<|im_end|>\n").Select(id => (int)id).ToArray();

        Assert.Equal(Gpt2TokenizerFiles.IdOf(vocabulary, ChatMl.ImStart), ids[0]);
        Assert.Contains(Gpt2TokenizerFiles.IdOf(vocabulary, ChatMl.ImEnd), ids);
        Assert.Equal(fixture.RealGpt2.EncodeToIds("user\nHi there"), ids[1..^2]);
    }

    [Fact]
    public void Recovered_merges_begin_with_gpt2s_published_merge_order()
    {
        // The first lines of GPT-2's merges.txt, as published with the model.
        var vocabulary = Gpt2Vocabulary.Instance;
        var first = vocabulary.Merges.Take(5)
            .Select(m => Gpt2Vocabulary.ToByteLevel(vocabulary.TokensByRank[m.Left]) + " " + Gpt2Vocabulary.ToByteLevel(vocabulary.TokensByRank[m.Right]));

        Assert.Equal(["Ġ t", "Ġ a", "h e", "i n", "r e"], first);
        Assert.Equal(50_000, vocabulary.Merges.Count);
    }

    private int[] SplitOnEndOfText(string text)
    {
        var parts = text.Split(Gpt2Vocabulary.EndOfText);
        var ids = new List<int>();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                ids.Add(Gpt2Vocabulary.Instance.EndOfTextId);
            }

            ids.AddRange(fixture.RealGpt2.EncodeToIds(parts[i]));
        }

        return [.. ids];
    }
}
