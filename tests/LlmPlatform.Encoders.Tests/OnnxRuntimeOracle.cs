using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace LlmPlatform.Encoders.Tests;

/// <summary>
/// all-MiniLM-L6-v2's own ONNX graph run by ONNX Runtime, pooled (mean over real tokens) and normalized as
/// sentence-transformers does: the independent oracle the encoder is tested against, and the runtime
/// tools/EmbeddingsBench measures it against (linked there).
/// </summary>
public static class OnnxRuntimeOracle
{
    /// <summary>One embedding per input; a batch is padded to its longest input and masked.</summary>
    public static float[][] Embed(InferenceSession session, IReadOnlyList<int[]> inputs)
    {
        var (batch, length) = (inputs.Count, inputs.Max(i => i.Length));
        var ids = new long[batch * length];
        var mask = new long[batch * length];
        for (var row = 0; row < batch; row++)
        {
            for (var column = 0; column < inputs[row].Length; column++)
            {
                ids[row * length + column] = inputs[row][column];
                mask[row * length + column] = 1;
            }
        }

        int[] shape = [batch, length];
        var feeds = session.InputMetadata.Keys.Select(name => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(name switch
        {
            "input_ids" => ids,
            "attention_mask" => mask,
            "token_type_ids" => new long[batch * length],
            _ => throw new InvalidOperationException($"Unexpected ONNX input '{name}'."),
        }, shape))).ToList();

        using var results = session.Run(feeds);
        var states = results.First().AsTensor<float>();
        var hidden = (int)states.Dimensions[2];
        var embeddings = new float[batch][];
        for (var row = 0; row < batch; row++)
        {
            var mean = new double[hidden];
            for (var t = 0; t < inputs[row].Length; t++)
            {
                for (var h = 0; h < hidden; h++)
                {
                    mean[h] += states[row, t, h] / inputs[row].Length;
                }
            }

            var norm = Math.Sqrt(mean.Sum(v => v * v));
            embeddings[row] = [.. mean.Select(v => (float)(v / norm))];
        }

        return embeddings;
    }
}
