using Microsoft.ML.OnnxRuntime;

namespace LlmPlatform.Encoders.Tests;

/// <summary>
/// The TorchSharp encoder against an independent oracle: ONNX Runtime running all-MiniLM-L6-v2's original ONNX graph
/// from the package, pooled and normalized as sentence-transformers does (<see cref="OnnxRuntimeOracle"/>). Every input is
/// compared alone and inside one padded batch of mixed lengths, so padding cannot leak into a result unnoticed.
/// </summary>
[Collection(DefaultEmbeddingModelCollection.Name)]
public sealed class OnnxRuntimeEquivalenceTests(DefaultEmbeddingModelFixture model)
{
    private const double Tolerance = 1e-5;

    public static readonly string[] Corpus =
    [
        "Hello, world!",
        "a",
        "The quick brown fox jumps over the lazy dog.",
        "Paged attention stores the KV cache in fixed-size blocks, like virtual memory pages.",
        "Crème brûlée, naïve café, São Paulo and Zürich: accents are stripped by the uncased tokenizer.",
        "Numbers 3.14159, 2026-11-26 and 1,000,000 tokens; punctuation!?... (nested [brackets] {too})",
        "日本語のテキストと中文文本 mixed with English words.",
        "unbelievably antidisestablishmentarianism supercalifragilisticexpialidocious",
        "   leading and trailing spaces   ",
        "Emoji 🚀 and symbols ™ © are unknown to the vocabulary.",
    ];

    [Fact]
    public void Embeddings_equal_onnx_runtimes_alone_and_in_a_padded_batch_including_the_maximum_length()
    {
        using var encoder = SentenceEncoder.Load(model.ModelDirectory);
        var inputs = Corpus.Select(encoder.Tokenize).Append(MaximumLengthInput(encoder)).ToList();
        Assert.Equal(encoder.MaxLength, inputs[^1].Length);
        using var oracle = new InferenceSession(DefaultEmbeddingModel.ReadOnnxModel());

        var batched = encoder.Embed(inputs);
        for (var i = 0; i < inputs.Count; i++)
        {
            var expected = OnnxRuntimeOracle.Embed(oracle, [inputs[i]])[0];
            var alone = encoder.Embed([inputs[i]])[0];
            Assert.True(CosineDistance(expected, alone) <= Tolerance, $"Input {i} alone: cosine distance {CosineDistance(expected, alone):E2}.");
            Assert.True(CosineDistance(expected, batched[i]) <= Tolerance, $"Input {i} in the batch: cosine distance {CosineDistance(expected, batched[i]):E2}.");
            Assert.Equal(1.0, Math.Sqrt(batched[i].Sum(v => (double)v * v)), 5);
        }
    }

    [Fact]
    public void Paraphrases_are_closer_than_unrelated_sentences()
    {
        using var encoder = SentenceEncoder.Load(model.ModelDirectory);
        (string A, string Paraphrase, string Unrelated)[] triples =
        [
            ("How do I reset my password?", "What are the steps to change my login password?", "The weather in Lisbon is warm in September."),
            ("The cat is sleeping on the sofa.", "A cat naps on the couch.", "Quarterly revenue grew by twelve percent."),
            ("GPU memory ran out during inference.", "The model hit an out-of-memory error on the graphics card.", "She planted tomatoes in the garden."),
            ("Can you recommend a good Italian restaurant?", "Where can I find great pasta nearby?", "The train to Berlin leaves at noon."),
        ];

        foreach (var (a, paraphrase, unrelated) in triples)
        {
            var vectors = encoder.Embed([encoder.Tokenize(a), encoder.Tokenize(paraphrase), encoder.Tokenize(unrelated)]);
            var (close, far) = (Cosine(vectors[0], vectors[1]), Cosine(vectors[0], vectors[2]));
            Assert.True(close > far + 0.2, $"'{a}': paraphrase {close:F3}, unrelated {far:F3}.");
        }
    }

    /// <summary>[CLS], words up to the model's maximum, [SEP]: the longest input the model takes.</summary>
    private static int[] MaximumLengthInput(SentenceEncoder encoder)
    {
        var text = string.Join(' ', Enumerable.Range(0, encoder.MaxLength).Select(i => $"word{i}"));
        return encoder.Truncate(encoder.Tokenize(text), encoder.MaxLength);
    }

    private static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private static double CosineDistance(float[] a, float[] b) => 1 - Cosine(a, b);
}
