using Google.Protobuf;
using LlmPlatform.Encoders.Onnx;

namespace LlmPlatform.Encoders.Tests;

/// <summary>
/// A BERT encoder graph laid out as torch.onnx exports one (anonymous [in, out] MatMul weights followed by an Add of a
/// named bias, attention reshapes to [batch, sequence, heads, head_size] built by Concat), small enough to build in a
/// test and to break on purpose. The graph is never run: only its structure and initializers are read.
/// </summary>
internal sealed class TinyBertOnnx
{
    public const int Hidden = 4;
    public const int Intermediate = 8;
    public const int Layers = 2;

    public static readonly string[] Vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", ",", "!"];

    private readonly GraphProto graph = new() { Name = "tiny-bert" };
    private int nextValue = 100;

    /// <param name="heads">The heads the attention reshapes state; null leaves the reshape shapes without constants.</param>
    public TinyBertOnnx(int? heads = 2)
    {
        Named("embeddings.word_embeddings.weight", Vocabulary.Length + 1, Hidden);
        Named("embeddings.position_embeddings.weight", 16, Hidden);
        Named("embeddings.token_type_embeddings.weight", 2, Hidden);
        Named("embeddings.LayerNorm.weight", Hidden);
        Named("embeddings.LayerNorm.bias", Hidden);
        var hidden = "embeddings";
        for (var layer = 0; layer < Layers; layer++)
        {
            var prefix = $"encoder.layer.{layer}.";
            foreach (var projection in (string[])["query", "key", "value"])
            {
                var projected = Linear(hidden, $"{prefix}attention.self.{projection}", Hidden, Hidden);
                Node("Reshape", [projected, AttentionShape(heads)]);
            }

            var attention = Linear(hidden, $"{prefix}attention.output.dense", Hidden, Hidden);
            Named($"{prefix}attention.output.LayerNorm.weight", Hidden);
            Named($"{prefix}attention.output.LayerNorm.bias", Hidden);
            var intermediate = Linear(attention, $"{prefix}intermediate.dense", Hidden, Intermediate);
            hidden = Linear(intermediate, $"{prefix}output.dense", Intermediate, Hidden);
            Named($"{prefix}output.LayerNorm.weight", Hidden);
            Named($"{prefix}output.LayerNorm.bias", Hidden);
        }
    }

    public GraphProto Graph => graph;

    /// <summary>The anonymous [in, out] initializer the MatMul before <paramref name="module"/>'s bias multiplies by.</summary>
    public TensorProto LinearInitializer(string module)
    {
        var add = graph.Node.Single(n => n.Input.Contains($"{module}.bias"));
        var matMul = graph.Node.Single(n => n.OpType == "MatMul" && add.Input.Contains(n.Output[0]));
        return graph.Initializer.Single(t => t.Name == matMul.Input[1]);
    }

    public MemoryStream ToStream() => new(new ModelProto { IrVersion = 7, Graph = graph, OpsetImport = { new OperatorSetIdProto { Version = 13 } } }.ToByteArray());

    private string Linear(string input, string module, int inputs, int outputs)
    {
        var weight = Initializer((nextValue++).ToString(System.Globalization.CultureInfo.InvariantCulture), inputs, outputs);
        var product = Node("MatMul", [input, weight]);
        Named($"{module}.bias", outputs);
        // torch.onnx puts the bias first.
        return Node("Add", [$"{module}.bias", product]);
    }

    private string AttentionShape(int? heads)
    {
        string[] dynamic = [Node("Unsqueeze", ["batch"]), Node("Unsqueeze", ["sequence"])];
        return heads is { } count
            ? Node("Concat", [.. dynamic, Int64Constant(count), Int64Constant(Hidden / count)])
            : Node("Concat", [.. dynamic, Node("Unsqueeze", ["heads"]), Node("Unsqueeze", ["head_size"])]);
    }

    private string Int64Constant(long value)
    {
        var tensor = new TensorProto { Name = Value(), DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 1 }, Int64Data = { value } };
        graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    private void Named(string name, params int[] dims) => Initializer(name, dims);

    private string Initializer(string name, params int[] dims)
    {
        var count = dims.Aggregate(1, (product, dim) => product * dim);
        // Distinct values everywhere, so that a transposition or a mix-up shows.
        var offset = graph.Initializer.Count * 1000;
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims.Select(d => (long)d));
        tensor.FloatData.AddRange(Enumerable.Range(offset, count).Select(v => (float)v));
        graph.Initializer.Add(tensor);
        return name;
    }

    private string Node(string op, string[] inputs)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{graph.Node.Count}", Input = { inputs }, Output = { Value() } };
        graph.Node.Add(node);
        return node.Output[0];
    }

    private string Value() => (nextValue++).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
