using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace LlmPlatform.Encoders.Onnx;

/// <summary>One weight of the model under its Hugging Face name, read from an ONNX initializer.</summary>
internal sealed record OnnxBertWeight(string Name, TensorProto Tensor, bool Transposed)
{
    /// <summary>[out, in] for a linear weight, as torch's nn.Linear keeps it.</summary>
    public long[] Shape => Transposed ? [Tensor.Dims[1], Tensor.Dims[0]] : OnnxGraph.Shape(Tensor);

    public long ByteLength => OnnxGraph.ElementCount(Tensor) * sizeof(float);

    public float[] Values()
    {
        var values = OnnxGraph.Floats(Tensor);
        if (!Transposed)
        {
            return values;
        }

        var (rows, columns) = ((int)Tensor.Dims[0], (int)Tensor.Dims[1]);
        var transposed = new float[values.Length];
        for (var row = 0; row < rows; row++)
        {
            for (var column = 0; column < columns; column++)
            {
                transposed[column * rows + row] = values[row * columns + column];
            }
        }

        return transposed;
    }

    public void WriteTo(Stream stream) => stream.Write(MemoryMarshal.AsBytes(Values().AsSpan()));
}

/// <summary>The sizes of a BERT encoder, as config.json states them.</summary>
internal sealed record BertDimensions(int VocabSize, int HiddenSize, int Layers, int AttentionHeads, int IntermediateSize, int MaxPositionEmbeddings, int TypeVocabSize);

/// <summary>
/// Recovers a BERT encoder's weights from a torch.onnx export under the names Hugging Face's BertModel gives them.
/// The exporter keeps the names of parameters the graph uses as they are (embeddings, biases, LayerNorms, a pooler's
/// Gemm), but turns each nn.Linear into a MatMul by a transposed copy of its weight, [in, out], named by a number;
/// the Add of that Linear's bias right after the MatMul still carries the module's name.
/// </summary>
internal static partial class OnnxBertWeights
{
    public static (IReadOnlyList<OnnxBertWeight> Weights, BertDimensions Dimensions) Recover(OnnxGraph graph)
    {
        var weights = new Dictionary<string, OnnxBertWeight>(StringComparer.Ordinal);
        var recovered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var matMul in graph.Graph.Node.Where(n => n.OpType == "MatMul" && n.Input.Count == 2))
        {
            if (graph.Constant(matMul.Input[1]) is not { Dims.Count: 2, DataType: (int)TensorProto.Types.DataType.Float } tensor)
            {
                continue;
            }

            var bias = graph.ConsumersOf(matMul.Output[0])
                .Where(n => n.OpType == "Add")
                .SelectMany(n => n.Input)
                .FirstOrDefault(input => input.EndsWith(".bias", StringComparison.Ordinal) && graph.Constant(input) is not null)
                ?? throw new InvalidDataException(
                    $"ONNX MatMul '{matMul.Name}' multiplies by initializer '{tensor.Name}' but no Add of a named bias follows it, so the weight's Hugging Face name cannot be recovered.");
            if (graph.Constant(bias)!.Dims is not [var outputs] || outputs != tensor.Dims[1])
            {
                throw new InvalidDataException($"ONNX bias '{bias}' does not match the [{string.Join(", ", tensor.Dims)}] weight '{tensor.Name}' of the MatMul it follows.");
            }

            var name = bias[..^".bias".Length] + ".weight";
            Add(weights, new OnnxBertWeight(name, tensor, Transposed: true));
            recovered.Add(tensor.Name);
        }

        foreach (var tensor in graph.Graph.Initializer)
        {
            if (recovered.Contains(tensor.Name) || tensor.DataType != (int)TensorProto.Types.DataType.Float)
            {
                // Integer initializers are shape constants or buffers (embeddings.position_ids), not parameters.
                continue;
            }

            if (!ParameterName().IsMatch(tensor.Name))
            {
                throw new InvalidDataException($"ONNX initializer '{tensor.Name}' [{string.Join(", ", tensor.Dims)}] has no Hugging Face name and feeds no MatMul followed by a named bias.");
            }

            Add(weights, new OnnxBertWeight(tensor.Name, tensor, Transposed: IsUntransposedGemmWeight(graph, tensor.Name)));
        }

        var dimensions = Dimensions(graph, weights);
        return ([.. weights.Values.OrderBy(w => w.Name, StringComparer.Ordinal)], dimensions);
    }

    /// <summary>The names BertModel's state dict has for <paramref name="layers"/> layers, pooler excepted.</summary>
    public static IEnumerable<string> RequiredNames(int layers)
    {
        string[] embeddings = ["word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight", "LayerNorm.weight", "LayerNorm.bias"];
        string[] layer = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"];
        return embeddings.Select(name => $"embeddings.{name}")
            .Concat(Enumerable.Range(0, layers).SelectMany(i => layer.SelectMany(module => (string[])[$"encoder.layer.{i}.{module}.weight", $"encoder.layer.{i}.{module}.bias"])));
    }

    private static BertDimensions Dimensions(OnnxGraph graph, Dictionary<string, OnnxBertWeight> weights)
    {
        var layers = weights.Keys.Select(name => LayerIndex().Match(name)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).Distinct().Count();
        var missing = RequiredNames(layers).Where(name => !weights.ContainsKey(name)).ToList();
        if (layers == 0 || missing.Count > 0)
        {
            throw new InvalidDataException(layers == 0
                ? "The ONNX model has no encoder.layer.N weights: it is not a BERT encoder exported from Hugging Face's BertModel."
                : $"The ONNX model lacks BertModel weights: {string.Join(", ", missing)}.");
        }

        var words = weights["embeddings.word_embeddings.weight"].Shape;
        var hidden = (int)words[1];
        return new BertDimensions(
            VocabSize: (int)words[0],
            HiddenSize: hidden,
            Layers: layers,
            AttentionHeads: AttentionHeads(graph, layers, hidden),
            IntermediateSize: (int)weights["encoder.layer.0.intermediate.dense.weight"].Shape[0],
            MaxPositionEmbeddings: (int)weights["embeddings.position_embeddings.weight"].Shape[0],
            TypeVocabSize: (int)weights["embeddings.token_type_embeddings.weight"].Shape[0]);
    }

    /// <summary>
    /// No weight's shape tells the number of heads. BertSelfAttention.transpose_for_scores reshapes each projection to
    /// [batch, sequence, heads, head_size], and torch.onnx writes that shape as a Concat of the two dynamic sizes and
    /// two constants: the heads are the constant before last, wherever the two multiply to hidden_size.
    /// </summary>
    private static int AttentionHeads(OnnxGraph graph, int layers, int hiddenSize)
    {
        var found = new HashSet<(long Heads, long HeadSize)>();
        var projections = Enumerable.Range(0, layers).SelectMany(i => ((string[])["query", "key", "value"]).Select(p => $"encoder.layer.{i}.attention.self.{p}.bias"));
        foreach (var bias in projections)
        {
            var projected = graph.ConsumersOf(bias).Where(n => n.OpType == "Add").Select(n => n.Output[0]);
            foreach (var reshape in projected.SelectMany(value => graph.ConsumersOf(value).Where(n => n.OpType == "Reshape" && n.Input[0] == value)))
            {
                var tail = TrailingConstants(graph, reshape.Input[1]);
                if (tail.Count >= 2 && tail[^2] > 0 && tail[^2] * tail[^1] == hiddenSize)
                {
                    found.Add((tail[^2], tail[^1]));
                }
            }
        }

        return found.Count switch
        {
            1 => (int)found.Single().Heads,
            0 => throw new InvalidDataException(
                $"The number of attention heads is not in the ONNX model: no self-attention query, key or value is reshaped to [..., heads, head_size] with constant heads and head_size that multiply to hidden_size {hiddenSize}."),
            _ => throw new InvalidDataException(
                $"The ONNX model's attention reshapes disagree on the number of heads: {string.Join(", ", found.Select(f => $"{f.Heads} x {f.HeadSize}"))}."),
        };
    }

    /// <summary>The values at the end of a shape that are constants: all of a constant tensor, or the constant inputs that close a Concat.</summary>
    private static List<long> TrailingConstants(OnnxGraph graph, string shape)
    {
        if (graph.Constant(shape) is { } constant)
        {
            return [.. OnnxGraph.Int64s(constant)];
        }

        var tail = new List<long>();
        if (graph.ProducerOf(shape) is { OpType: "Concat" } concat)
        {
            foreach (var input in concat.Input.Reverse())
            {
                if (graph.Constant(input) is not { } part)
                {
                    break;
                }

                tail.InsertRange(0, OnnxGraph.Int64s(part));
            }
        }

        return tail;
    }

    /// <summary>A Gemm without transB computes x·B, so its B is [in, out] like a MatMul's (torch.onnx writes a Linear with transB=1 and the weight as torch has it).</summary>
    private static bool IsUntransposedGemmWeight(OnnxGraph graph, string name) =>
        graph.ConsumersOf(name).Any(n => n.OpType == "Gemm" && n.Input.Count > 1 && n.Input[1] == name && OnnxGraph.Attribute(n, "transB") is not { I: not 0 });

    private static void Add(Dictionary<string, OnnxBertWeight> weights, OnnxBertWeight weight)
    {
        if (!weights.TryAdd(weight.Name, weight))
        {
            throw new InvalidDataException($"Two ONNX initializers map to the Hugging Face name '{weight.Name}' ('{weights[weight.Name].Tensor.Name}' and '{weight.Tensor.Name}').");
        }
    }

    [GeneratedRegex(@"^[A-Za-z_][\w.]*\.(weight|bias)$")]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"^encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerIndex();
}
