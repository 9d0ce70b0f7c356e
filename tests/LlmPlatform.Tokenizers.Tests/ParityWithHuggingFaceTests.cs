namespace LlmPlatform.Tokenizers.Tests;

/// <summary>Ids and text must be exactly those of Hugging Face's Rust tokenizers for every fixture and every line.</summary>
public sealed class ParityWithHuggingFaceTests
{
    public static TheoryData<string, int> Cases()
    {
        var cases = new TheoryData<string, int>();
        foreach (var family in TokenizerFixtures.Families)
        {
            for (var line = 0; line < Corpus.Lines.Length; line++)
            {
                cases.Add(family, line);
            }
        }

        return cases;
    }

    public static TheoryData<string> Families() => new(TokenizerFixtures.Families);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Encoding_gives_the_ids_hugging_face_gives(string family, int line)
    {
        var text = Corpus.Lines[line];

        var expected = TokenizerFixtures.Oracle(family).Encode(text).Select(id => (int)id).ToArray();

        Assert.Equal(expected, TokenizerFixtures.Tokenizer(family).Encode(text));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decoding_without_special_tokens_gives_the_text_hugging_face_gives(string family, int line)
    {
        var ids = TokenizerFixtures.Oracle(family).Encode(Corpus.Lines[line]);

        var expected = TokenizerFixtures.Oracle(family).Decode(ids);

        Assert.Equal(expected, TokenizerFixtures.Tokenizer(family).Decode(ids.Select(id => (int)id).ToArray(), skipSpecialTokens: true));
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void The_whole_corpus_as_one_text_encodes_identically(string family)
    {
        var text = string.Join("\n", Corpus.Lines);

        var expected = TokenizerFixtures.Oracle(family).Encode(text).Select(id => (int)id).ToArray();

        Assert.Equal(expected, TokenizerFixtures.Tokenizer(family).Encode(text));
    }
}
