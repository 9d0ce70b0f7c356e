using System.Buffers.Binary;
using System.Text;
using LlmPlatform.Models.Safetensors;

namespace LlmPlatform.Models.Demo;

/// <summary>
/// The tensors of a Llama-family checkpoint under their Hugging Face names, filled with seeded random values:
/// normal(0, 0.02) for matrices and biases (transformers' initializer_range), ones for RMSNorm weights.
/// Each tensor seeds its own generator from its name, so its values do not depend on write order.
/// </summary>
public static class RandomWeights
{
    private const double InitializerRange = 0.02;
    private const int ChunkElements = 1 << 16;

    public static IReadOnlyList<TensorToWrite> For(ModelShape shape, int vocabSize, int seed)
    {
        var hidden = shape.HiddenSize;
        var qDim = shape.Heads * shape.HeadDim;
        var kvDim = shape.KeyValueHeads * shape.HeadDim;
        var tensors = new List<TensorToWrite> { Normal("model.embed_tokens.weight", [vocabSize, hidden]) };
        for (var layer = 0; layer < shape.Layers; layer++)
        {
            var prefix = $"model.layers.{layer}.";
            tensors.Add(Ones(prefix + "input_layernorm.weight", [hidden]));
            tensors.Add(Normal(prefix + "self_attn.q_proj.weight", [qDim, hidden]));
            tensors.Add(Normal(prefix + "self_attn.k_proj.weight", [kvDim, hidden]));
            tensors.Add(Normal(prefix + "self_attn.v_proj.weight", [kvDim, hidden]));
            if (shape.QkvBias)
            {
                tensors.Add(Normal(prefix + "self_attn.q_proj.bias", [qDim]));
                tensors.Add(Normal(prefix + "self_attn.k_proj.bias", [kvDim]));
                tensors.Add(Normal(prefix + "self_attn.v_proj.bias", [kvDim]));
            }

            tensors.Add(Normal(prefix + "self_attn.o_proj.weight", [hidden, qDim]));
            tensors.Add(Ones(prefix + "post_attention_layernorm.weight", [hidden]));
            tensors.Add(Normal(prefix + "mlp.gate_proj.weight", [shape.IntermediateSize, hidden]));
            tensors.Add(Normal(prefix + "mlp.up_proj.weight", [shape.IntermediateSize, hidden]));
            tensors.Add(Normal(prefix + "mlp.down_proj.weight", [hidden, shape.IntermediateSize]));
        }

        tensors.Add(Ones("model.norm.weight", [hidden]));
        if (!shape.TieWordEmbeddings)
        {
            tensors.Add(Normal("lm_head.weight", [vocabSize, hidden]));
        }

        return tensors;

        TensorToWrite Normal(string name, long[] dims) => new(name, shape.DType, dims, stream => WriteNormal(stream, shape.DType, Count(dims), SeedFor(name, seed)));

        TensorToWrite Ones(string name, long[] dims) => new(name, shape.DType, dims, stream => WriteConstant(stream, shape.DType, Count(dims), 1f));
    }

    private static long Count(long[] dims) => dims.Aggregate(1L, (count, dim) => count * dim);

    /// <summary>FNV-1a of the name: stable across processes, unlike string.GetHashCode.</summary>
    private static int SeedFor(string name, int seed)
    {
        var hash = 2166136261u ^ (uint)seed;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)hash;
    }

    private static void WriteNormal(Stream stream, string dtype, long count, int seed)
    {
        var random = new Random(seed);
        WriteValues(stream, dtype, count, () =>
        {
            // Box-Muller; one of the pair is enough for initial weights.
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            return (float)(InitializerRange * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
        });
    }

    private static void WriteConstant(Stream stream, string dtype, long count, float value) => WriteValues(stream, dtype, count, () => value);

    private static void WriteValues(Stream stream, string dtype, long count, Func<float> next)
    {
        var size = SafetensorsTensorInfo.ElementSize(dtype);
        var buffer = new byte[ChunkElements * size];
        for (long done = 0; done < count;)
        {
            var n = (int)Math.Min(ChunkElements, count - done);
            for (var i = 0; i < n; i++)
            {
                Encode(buffer.AsSpan(i * size, size), dtype, next());
            }

            stream.Write(buffer, 0, n * size);
            done += n;
        }
    }

    private static void Encode(Span<byte> destination, string dtype, float value)
    {
        switch (dtype)
        {
            case "F32":
                BinaryPrimitives.WriteSingleLittleEndian(destination, value);
                break;
            case "F16":
                BinaryPrimitives.WriteHalfLittleEndian(destination, (Half)value);
                break;
            case "BF16":
                BinaryPrimitives.WriteUInt16LittleEndian(destination, ToBFloat16(value));
                break;
            default:
                throw new ArgumentException($"Cannot write dtype '{dtype}'.", nameof(dtype));
        }
    }

    /// <summary>Round to nearest even, as torch does when casting float32 to bfloat16 (values here are finite).</summary>
    public static ushort ToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var roundingBias = 0x7FFFu + ((bits >> 16) & 1);
        return (ushort)((bits + roundingBias) >> 16);
    }
}
