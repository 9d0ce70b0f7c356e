using LlmPlatform.Models.Demo;
using LlmPlatform.Models.HuggingFace;

namespace LlmPlatform.Models.Tests;

public sealed class ModelDirectoryTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(ModelDirectory.ConfigFile)]
    [InlineData(ModelDirectory.TokenizerFile)]
    [InlineData(ModelDirectory.SingleWeightsFile)]
    public void A_missing_file_is_named_in_the_error(string missing)
    {
        RandomModelWriter.Write(temp.Path, SmallShapes.Tiny());
        File.Delete(temp.Combine(missing));

        var error = Assert.ThrowsAny<IOException>(() => ModelDirectory.Open(temp.Path));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void A_missing_directory_is_named_in_the_error()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => ModelDirectory.Open(temp.Combine("nowhere")));
        Assert.Contains("nowhere", error.Message);
    }

    [Fact]
    public void Config_reads_token_ids_given_as_a_number_or_a_list_and_defaults_what_is_absent()
    {
        File.WriteAllText(temp.Combine("config.json"), """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
             "intermediate_size": 128, "vocab_size": 1000, "bos_token_id": 1, "eos_token_id": [2, 3]}
            """);

        var config = ModelConfig.Load(temp.Combine("config.json"));

        Assert.Equal([1], config.BosTokenId);
        Assert.Equal([2, 3], config.EosTokenId);
        Assert.Equal(4, config.KeyValueHeads);
        Assert.Equal(16, config.HeadDimension);
        Assert.Equal(10000.0, config.RopeTheta);
    }

    [Fact]
    public void A_config_without_dimensions_is_rejected()
    {
        File.WriteAllText(temp.Combine("config.json"), """{"architectures": ["LlamaForCausalLM"], "hidden_size": 64}""");

        var error = Assert.Throws<InvalidDataException>(() => ModelConfig.Load(temp.Combine("config.json")));
        Assert.Contains("num_hidden_layers", error.Message);
    }
}
