using System.Text.Json;
using LlmPlatform.Encoders.Onnx;
using LlmPlatform.Models.Safetensors;

namespace LlmPlatform.Encoders.Tests;

public sealed class OnnxBertExportTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void The_number_of_heads_comes_from_the_attention_reshapes(int heads)
    {
        var directory = Export(new TinyBertOnnx(heads));

        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "config.json")));
        Assert.Equal(heads, config.RootElement.GetProperty("num_attention_heads").GetInt32());
        Assert.Equal(TinyBertOnnx.Layers, config.RootElement.GetProperty("num_hidden_layers").GetInt32());
        Assert.Equal(TinyBertOnnx.Intermediate, config.RootElement.GetProperty("intermediate_size").GetInt32());
    }

    [Fact]
    public void Without_constant_heads_in_the_graph_the_export_fails_saying_so()
    {
        var error = Assert.Throws<InvalidDataException>(() => Export(new TinyBertOnnx(heads: null)));

        Assert.Contains("attention heads", error.Message);
    }

    [Fact]
    public void A_missing_weight_is_named()
    {
        var onnx = new TinyBertOnnx();
        onnx.Graph.Initializer.Remove(onnx.Graph.Initializer.Single(t => t.Name == "encoder.layer.1.output.LayerNorm.bias"));

        var error = Assert.Throws<InvalidDataException>(() => Export(onnx));

        Assert.Contains("encoder.layer.1.output.LayerNorm.bias", error.Message);
    }

    [Fact]
    public void A_MatMul_weight_without_a_named_bias_after_it_is_an_error_naming_it()
    {
        var onnx = new TinyBertOnnx();
        var weight = onnx.LinearInitializer("encoder.layer.0.intermediate.dense");
        var add = onnx.Graph.Node.Single(n => n.Input.Contains("encoder.layer.0.intermediate.dense.bias"));
        add.OpType = "Sub";

        var error = Assert.Throws<InvalidDataException>(() => Export(onnx));

        Assert.Contains($"'{weight.Name}'", error.Message);
    }

    [Fact]
    public void Linear_weights_are_written_transposed_under_their_module_names()
    {
        var onnx = new TinyBertOnnx();
        var initializer = onnx.LinearInitializer("encoder.layer.1.intermediate.dense");
        var directory = Export(onnx);

        var header = SafetensorsHeader.Read(Path.Combine(directory, "model.safetensors"));
        var tensor = header.Tensors["encoder.layer.1.intermediate.dense.weight"];
        var bytes = File.ReadAllBytes(Path.Combine(directory, "model.safetensors")).AsSpan((int)(header.DataStart + tensor.Begin), (int)tensor.ByteLength);
        var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();

        Assert.Equal([TinyBertOnnx.Intermediate, TinyBertOnnx.Hidden], tensor.Shape);
        Assert.Equal(
            from output in Enumerable.Range(0, TinyBertOnnx.Intermediate)
            from input in Enumerable.Range(0, TinyBertOnnx.Hidden)
            select initializer.FloatData[input * TinyBertOnnx.Intermediate + output],
            values);
        Assert.DoesNotContain(initializer.Name, header.Tensors.Keys);
    }

    private string Export(TinyBertOnnx onnx)
    {
        var directory = temp.Combine("model");
        using var stream = onnx.ToStream();
        OnnxBertExport.Write(stream, TinyBertOnnx.Vocabulary, directory, maxSeqLength: 8);
        return directory;
    }
}
