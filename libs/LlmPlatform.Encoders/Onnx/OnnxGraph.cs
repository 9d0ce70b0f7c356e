using System.Buffers.Binary;

namespace LlmPlatform.Encoders.Onnx;

/// <summary>
/// An ONNX graph indexed for walking it: the tensor behind a value name (an initializer or a Constant node's output)
/// and the nodes that consume a value.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly Dictionary<string, TensorProto> constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<NodeProto>> consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeProto> producers = new(StringComparer.Ordinal);

    public OnnxGraph(GraphProto graph)
    {
        Graph = graph;
        foreach (var tensor in graph.Initializer)
        {
            constants[tensor.Name] = tensor;
        }

        foreach (var node in graph.Node)
        {
            foreach (var input in node.Input)
            {
                if (!consumers.TryGetValue(input, out var list))
                {
                    consumers[input] = list = [];
                }

                list.Add(node);
            }

            foreach (var output in node.Output)
            {
                producers[output] = node;
            }

            if (node is { OpType: "Constant", Output.Count: 1 } && Attribute(node, "value") is { T: { } value })
            {
                constants[node.Output[0]] = value;
            }
        }
    }

    public GraphProto Graph { get; }

    public static OnnxGraph Parse(Stream onnxModel)
    {
        var model = ModelProto.Parser.ParseFrom(onnxModel);
        return new OnnxGraph(model.Graph ?? throw new InvalidDataException("The ONNX model has no graph."));
    }

    /// <summary>The tensor a value name holds when it is known without running the graph.</summary>
    public TensorProto? Constant(string name) => constants.GetValueOrDefault(name);

    public IReadOnlyList<NodeProto> ConsumersOf(string name) => consumers.TryGetValue(name, out var list) ? list : [];

    public NodeProto? ProducerOf(string name) => producers.GetValueOrDefault(name);

    public static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    public static long[] Shape(TensorProto tensor) => [.. tensor.Dims];

    public static long ElementCount(TensorProto tensor) => tensor.Dims.Aggregate(1L, (count, dim) => count * dim);

    /// <summary>The values of a FLOAT tensor, from raw_data or float_data, whichever the exporter used.</summary>
    public static float[] Floats(TensorProto tensor)
    {
        RequireInline(tensor, TensorProto.Types.DataType.Float);
        var count = checked((int)ElementCount(tensor));
        float[] values;
        if (!tensor.RawData.IsEmpty)
        {
            values = new float[tensor.RawData.Length / sizeof(float)];
            var bytes = tensor.RawData.Span;
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(i * sizeof(float))..]);
            }
        }
        else
        {
            values = [.. tensor.FloatData];
        }

        return values.Length == count
            ? values
            : throw new InvalidDataException($"ONNX tensor '{tensor.Name}' has {values.Length} values for shape [{string.Join(", ", tensor.Dims)}].");
    }

    /// <summary>The values of an INT64 tensor (shape constants), from raw_data or int64_data.</summary>
    public static long[] Int64s(TensorProto tensor)
    {
        RequireInline(tensor, TensorProto.Types.DataType.Int64);
        if (tensor.RawData.IsEmpty)
        {
            return [.. tensor.Int64Data];
        }

        var bytes = tensor.RawData.Span;
        var values = new long[bytes.Length / sizeof(long)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadInt64LittleEndian(bytes[(i * sizeof(long))..]);
        }

        return values;
    }

    private static void RequireInline(TensorProto tensor, TensorProto.Types.DataType type)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            throw new NotSupportedException($"ONNX tensor '{tensor.Name}' keeps its data in an external file; only models with inline weights are read.");
        }

        if (tensor.DataType != (int)type)
        {
            throw new InvalidDataException($"ONNX tensor '{tensor.Name}' is {(TensorProto.Types.DataType)tensor.DataType}, expected {type}.");
        }
    }
}
