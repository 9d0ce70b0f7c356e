using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using LlmPlatform.Models.Demo;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.Models.Safetensors;

namespace LlmPlatform.Models.Tests;

public sealed class RandomModelWriterTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("LlamaForCausalLM", true)]
    [InlineData("MistralForCausalLM", true)]
    [InlineData("Qwen2ForCausalLM", false)]
    public void Written_model_loads_back_with_every_tensor_its_config_implies(string architecture, bool tied)
    {
        var directory = temp.Combine(architecture);
        RandomModelWriter.Write(directory, SmallShapes.Tiny(architecture, tied: tied));

        var model = ModelDirectory.Open(directory);
        var config = model.Config;
        var header = SafetensorsHeader.Read(Path.Combine(directory, ModelDirectory.SingleWeightsFile));
        var qDim = config.NumAttentionHeads * config.HeadDimension;
        var kvDim = config.KeyValueHeads * config.HeadDimension;

        var expected = new Dictionary<string, long[]> { ["model.embed_tokens.weight"] = [config.VocabSize, config.HiddenSize], ["model.norm.weight"] = [config.HiddenSize] };
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            var p = $"model.layers.{layer}.";
            expected[p + "input_layernorm.weight"] = [config.HiddenSize];
            expected[p + "post_attention_layernorm.weight"] = [config.HiddenSize];
            expected[p + "self_attn.q_proj.weight"] = [qDim, config.HiddenSize];
            expected[p + "self_attn.k_proj.weight"] = [kvDim, config.HiddenSize];
            expected[p + "self_attn.v_proj.weight"] = [kvDim, config.HiddenSize];
            expected[p + "self_attn.o_proj.weight"] = [config.HiddenSize, qDim];
            expected[p + "mlp.gate_proj.weight"] = [config.IntermediateSize, config.HiddenSize];
            expected[p + "mlp.up_proj.weight"] = [config.IntermediateSize, config.HiddenSize];
            expected[p + "mlp.down_proj.weight"] = [config.HiddenSize, config.IntermediateSize];
            if (config.AttentionBias)
            {
                expected[p + "self_attn.q_proj.bias"] = [qDim];
                expected[p + "self_attn.k_proj.bias"] = [kvDim];
                expected[p + "self_attn.v_proj.bias"] = [kvDim];
            }
        }

        if (!config.TieWordEmbeddings)
        {
            expected["lm_head.weight"] = [config.VocabSize, config.HiddenSize];
        }

        Assert.Equal(architecture, config.Architecture);
        Assert.Equal(architecture == "Qwen2ForCausalLM", config.AttentionBias);
        Assert.Equal(expected.Keys.Order(), header.Tensors.Keys.Order());
        foreach (var (name, shape) in expected)
        {
            Assert.Equal(shape, header.Tensors[name].Shape);
            Assert.Equal("BF16", header.Tensors[name].DType);
        }

        Assert.Equal(new FileInfo(Path.Combine(directory, ModelDirectory.SingleWeightsFile)).Length, header.DataStart + header.Tensors.Values.Sum(t => t.ByteLength));
        Assert.Equal("pt", header.Metadata["format"]);
    }

    [Fact]
    public void Vocabulary_covers_the_tokenizer_and_is_padded_to_a_multiple_of_64()
    {
        RandomModelWriter.Write(temp.Path, SmallShapes.Tiny());
        var config = ModelDirectory.Open(temp.Path).Config;
        var tokenCount = Gpt2TokenizerFiles.TokenCount(Gpt2Vocabulary.Instance);

        Assert.Equal(50259, tokenCount);
        Assert.True(config.VocabSize >= tokenCount);
        Assert.Equal(0, config.VocabSize % 64);
        Assert.True(config.VocabSize - tokenCount < 64);
    }

    [Theory]
    [InlineData("BF16")]
    [InlineData("F16")]
    [InlineData("F32")]
    public void Norms_are_ones_and_matrices_are_normal_with_the_initializer_range(string dtype)
    {
        RandomModelWriter.Write(temp.Path, SmallShapes.Tiny(dtype: dtype));
        var path = Path.Combine(temp.Path, ModelDirectory.SingleWeightsFile);
        var header = SafetensorsHeader.Read(path);

        var norm = ReadFloats(path, header, header.Tensors["model.norm.weight"]);
        Assert.All(norm, value => Assert.Equal(1f, value));

        var embedding = ReadFloats(path, header, header.Tensors["model.embed_tokens.weight"]);
        var mean = embedding.Average(v => (double)v);
        var std = Math.Sqrt(embedding.Average(v => (v - mean) * (v - mean)));
        Assert.InRange(mean, -0.001, 0.001);
        Assert.InRange(std, 0.019, 0.021);
    }

    [Fact]
    public void The_same_seed_writes_the_same_weights_and_another_seed_does_not()
    {
        RandomModelWriter.Write(temp.Combine("a"), SmallShapes.Tiny(), seed: 7);
        RandomModelWriter.Write(temp.Combine("b"), SmallShapes.Tiny(), seed: 7);
        RandomModelWriter.Write(temp.Combine("c"), SmallShapes.Tiny(), seed: 8);

        Assert.Equal(WeightsHash("a"), WeightsHash("b"));
        Assert.NotEqual(WeightsHash("a"), WeightsHash("c"));
    }

    [Fact]
    public void Configs_name_the_chat_special_tokens_and_carry_the_chatml_template()
    {
        RandomModelWriter.Write(temp.Path, SmallShapes.Tiny());
        var vocabulary = Gpt2Vocabulary.Instance;
        var imEnd = Gpt2TokenizerFiles.IdOf(vocabulary, ChatMl.ImEnd);

        var config = ModelDirectory.Open(temp.Path).Config;
        Assert.Equal([imEnd], config.EosTokenId);
        Assert.Equal([vocabulary.EndOfTextId], config.BosTokenId);

        using var generation = JsonDocument.Parse(File.ReadAllText(temp.Combine(ModelDirectory.GenerationConfigFile)));
        Assert.Equal([imEnd, vocabulary.EndOfTextId], generation.RootElement.GetProperty("eos_token_id").EnumerateArray().Select(e => e.GetInt32()));

        using var tokenizerConfig = JsonDocument.Parse(File.ReadAllText(temp.Combine(ModelDirectory.TokenizerConfigFile)));
        Assert.Equal(ChatMl.Template, tokenizerConfig.RootElement.GetProperty("chat_template").GetString());
        Assert.Equal(ChatMl.ImEnd, tokenizerConfig.RootElement.GetProperty("eos_token").GetString());
        Assert.Equal(config.MaxPositionEmbeddings, tokenizerConfig.RootElement.GetProperty("model_max_length").GetInt32());
    }

    [Fact]
    public void An_invalid_shape_is_refused_before_anything_is_written()
    {
        var shape = SmallShapes.Tiny() with { Heads = 5 };

        var error = Assert.Throws<ArgumentException>(() => RandomModelWriter.Write(temp.Combine("bad"), shape));
        Assert.Contains("5 heads", error.Message);
        Assert.False(Directory.Exists(temp.Combine("bad")));
    }

    [Fact]
    public void The_demo_shape_has_a_few_tens_of_millions_of_parameters()
    {
        var shape = ModelShape.Demo;
        var parameters = RandomWeights.For(shape, 50304, seed: 1).Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));

        Assert.InRange(parameters, 20_000_000, 60_000_000);
    }

    private string WeightsHash(string name) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(temp.Combine(name, ModelDirectory.SingleWeightsFile))));

    private static float[] ReadFloats(string path, SafetensorsHeader header, SafetensorsTensorInfo tensor)
    {
        using var stream = File.OpenRead(path);
        stream.Position = header.DataStart + tensor.Begin;
        var bytes = new byte[tensor.ByteLength];
        stream.ReadExactly(bytes);
        var size = SafetensorsTensorInfo.ElementSize(tensor.DType);
        return Enumerable.Range(0, (int)tensor.ElementCount).Select(i => tensor.DType switch
        {
            "F32" => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * size)),
            "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * size)),
            "BF16" => BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * size)) << 16),
            _ => throw new InvalidDataException(tensor.DType),
        }).ToArray();
    }
}
