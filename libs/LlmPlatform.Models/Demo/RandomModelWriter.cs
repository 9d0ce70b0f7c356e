using System.Text.Json;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.Models.Safetensors;

namespace LlmPlatform.Models.Demo;

/// <summary>
/// Writes a complete Hugging Face model directory with random weights: config.json, model.safetensors,
/// tokenizer.json and tokenizer_config.json (real GPT-2 vocabulary, ChatML template) and generation_config.json.
/// </summary>
public static class RandomModelWriter
{
    public const int DefaultSeed = 1234;

    public static void Write(string directory, ModelShape shape, int seed = DefaultSeed, IProgress<ModelWriteProgress>? progress = null)
    {
        shape.Validate();
        Directory.CreateDirectory(directory);

        progress?.Report(new ModelWriteProgress("vocabulary", 0, 0));
        var vocabulary = Gpt2Vocabulary.Instance;
        var tokenCount = Gpt2TokenizerFiles.TokenCount(vocabulary);
        var vocabSize = Math.Max(shape.VocabSize, (tokenCount + 63) / 64 * 64);
        var imEnd = Gpt2TokenizerFiles.IdOf(vocabulary, ChatMl.ImEnd);
        var endOfText = vocabulary.EndOfTextId;

        Gpt2TokenizerFiles.WriteTokenizerJson(Path.Combine(directory, ModelDirectory.TokenizerFile), vocabulary);
        Gpt2TokenizerFiles.WriteTokenizerConfig(Path.Combine(directory, ModelDirectory.TokenizerConfigFile), vocabulary, shape.MaxPositionEmbeddings, ChatMl.Template);
        ConfigFor(shape, vocabSize, bos: endOfText, eos: imEnd).Save(Path.Combine(directory, ModelDirectory.ConfigFile));
        WriteGenerationConfig(Path.Combine(directory, ModelDirectory.GenerationConfigFile), bos: endOfText, eos: [imEnd, endOfText]);

        var tensors = RandomWeights.For(shape, vocabSize, seed);
        var total = tensors.Sum(t => t.ByteLength);
        progress?.Report(new ModelWriteProgress("weights", 0, total));
        SafetensorsWriter.Write(
            Path.Combine(directory, ModelDirectory.SingleWeightsFile),
            tensors,
            new Dictionary<string, string> { ["format"] = "pt" },
            progress is null ? null : new SynchronousProgress<long>(written => progress.Report(new ModelWriteProgress("weights", written, total))));
    }

    private static ModelConfig ConfigFor(ModelShape shape, int vocabSize, int bos, int eos) => new()
    {
        Architectures = [shape.Architecture],
        ModelType = ModelShape.SupportedArchitectures[shape.Architecture],
        HiddenSize = shape.HiddenSize,
        IntermediateSize = shape.IntermediateSize,
        NumHiddenLayers = shape.Layers,
        NumAttentionHeads = shape.Heads,
        NumKeyValueHeads = shape.KeyValueHeads,
        HeadDim = shape.HeadDim,
        VocabSize = vocabSize,
        MaxPositionEmbeddings = shape.MaxPositionEmbeddings,
        RmsNormEps = shape.RmsNormEps,
        RopeTheta = shape.RopeTheta,
        RopeScaling = shape.RopeScaling,
        TieWordEmbeddings = shape.TieWordEmbeddings,
        AttentionBias = shape.QkvBias,
        TorchDtype = shape.DType switch { "BF16" => "bfloat16", "F16" => "float16", _ => "float32" },
        BosTokenId = [bos],
        EosTokenId = [eos],
    };

    private static void WriteGenerationConfig(string path, int bos, int[] eos) =>
        File.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object> { ["bos_token_id"] = bos, ["eos_token_id"] = eos }, ModelConfig.JsonOptions));
}
