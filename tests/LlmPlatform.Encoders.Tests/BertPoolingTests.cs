using LlmPlatform.Encoders.Bert;

namespace LlmPlatform.Encoders.Tests;

/// <summary>sentence-transformers' module files decide pooling and normalization; truncation keeps [SEP] last.</summary>
[Collection(DefaultEmbeddingModelCollection.Name)]
public sealed class BertPoolingTests(DefaultEmbeddingModelFixture model)
{
    [Fact]
    public void The_default_model_pools_by_mean_normalizes_and_takes_256_tokens()
    {
        var pooling = SentencePooling.Read(model.ModelDirectory);

        Assert.Equal(new SentencePooling(PoolingMode.Mean, true, 256), pooling);
    }

    [Theory]
    [InlineData("cls_token", PoolingMode.Cls)]
    [InlineData("lasttoken", PoolingMode.LastToken)]
    [InlineData("mean_tokens", PoolingMode.Mean)]
    public void The_pooling_config_names_the_mode(string flag, PoolingMode expected)
    {
        using var directory = new TempDirectory();
        WriteModules(directory, normalize: false, $$"""{"word_embedding_dimension": 8, "pooling_mode_{{flag}}": true, "pooling_mode_max_tokens": false}""");

        Assert.Equal(new SentencePooling(expected, false, null), SentencePooling.Read(directory.Path));
    }

    [Fact]
    public void Max_pooling_is_refused_by_name()
    {
        using var directory = new TempDirectory();
        WriteModules(directory, normalize: true, """{"pooling_mode_max_tokens": true}""");

        var error = Assert.Throws<NotSupportedException>(() => SentencePooling.Read(directory.Path));
        Assert.Contains("max_tokens", error.Message);
    }

    [Fact]
    public void A_plain_encoder_directory_pools_by_mean_without_normalizing()
    {
        using var directory = new TempDirectory();

        Assert.Equal(new SentencePooling(PoolingMode.Mean, false, null), SentencePooling.Read(directory.Path));
    }

    [Fact]
    public void Truncation_keeps_the_first_tokens_and_the_final_separator()
    {
        using var encoder = SentenceEncoder.Load(model.ModelDirectory);
        var ids = encoder.Tokenize("one two three four five six");

        var cut = encoder.Truncate(ids, 4);

        Assert.Equal([ids[0], ids[1], ids[2], ids[^1]], cut);
        Assert.Equal(ids, encoder.Truncate(ids, ids.Length));
        Assert.Equal(ids[..3], encoder.Truncate(ids[..^1], 3));
    }

    [Fact]
    public void Inputs_outside_the_model_are_refused_before_any_compute()
    {
        using var encoder = SentenceEncoder.Load(model.ModelDirectory);

        Assert.Throws<ArgumentException>(() => encoder.Embed([new int[encoder.MaxLength + 1]]));
        Assert.Throws<ArgumentException>(() => encoder.Embed([[]]));
        Assert.Throws<ArgumentException>(() => encoder.Embed([[101, encoder.VocabSize, 102]]));
    }

    private static void WriteModules(TempDirectory directory, bool normalize, string poolingConfig)
    {
        var normalizeModule = normalize ? """, {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}""" : "";
        File.WriteAllText(directory.Combine("modules.json"),
            $$"""[{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}, {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}{{normalizeModule}}]""");
        Directory.CreateDirectory(directory.Combine("1_Pooling"));
        File.WriteAllText(directory.Combine("1_Pooling", "config.json"), poolingConfig);
    }
}
