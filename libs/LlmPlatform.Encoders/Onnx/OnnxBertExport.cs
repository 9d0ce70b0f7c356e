using System.Text;
using System.Text.Json;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.Models.Safetensors;

namespace LlmPlatform.Encoders.Onnx;

/// <summary>
/// Turns a BERT sentence encoder exported to ONNX by torch.onnx back into the Hugging Face sentence-transformers
/// directory it came from: config.json and model.safetensors for BertModel, the WordPiece tokenizer files, and the
/// sentence-transformers modules (the Transformer, mean pooling, L2 normalization: the pooling and normalization of
/// the MiniLM family, which its ONNX export leaves outside the graph).
/// </summary>
public static class OnnxBertExport
{
    public const string VocabularyFile = "vocab.txt";
    public const string ModulesFile = "modules.json";
    public const string SentenceBertConfigFile = "sentence_bert_config.json";
    public const string PoolingDirectory = "1_Pooling";
    public const string NormalizeDirectory = "2_Normalize";

    /// <summary>
    /// Writes the directory. <paramref name="vocabulary"/> is vocab.txt's tokens in id order;
    /// <paramref name="maxSeqLength"/> is the longest input the model was trained for, which sentence-transformers
    /// truncates to (it is often shorter than the position embeddings).
    /// </summary>
    public static void Write(Stream onnxModel, IReadOnlyList<string> vocabulary, string directory, int maxSeqLength, bool lowercase = true)
    {
        var (weights, dimensions) = OnnxBertWeights.Recover(OnnxGraph.Parse(onnxModel));
        if (vocabulary.Count > dimensions.VocabSize)
        {
            throw new InvalidDataException($"The vocabulary has {vocabulary.Count} tokens but the word embeddings only {dimensions.VocabSize}.");
        }

        if (maxSeqLength < 2 || maxSeqLength > dimensions.MaxPositionEmbeddings)
        {
            throw new ArgumentOutOfRangeException(nameof(maxSeqLength), maxSeqLength, $"Must be between 2 and the model's {dimensions.MaxPositionEmbeddings} positions.");
        }

        Directory.CreateDirectory(directory);
        WriteConfig(Path.Combine(directory, ModelDirectory.ConfigFile), dimensions);
        SafetensorsWriter.Write(
            Path.Combine(directory, ModelDirectory.SingleWeightsFile),
            [.. weights.Select(w => new TensorToWrite(w.Name, "F32", w.Shape, w.WriteTo))],
            new Dictionary<string, string> { ["format"] = "pt" });
        WordPieceTokenizerFiles.Write(directory, vocabulary, lowercase, modelMaxLength: dimensions.MaxPositionEmbeddings);
        File.WriteAllText(Path.Combine(directory, VocabularyFile), string.Concat(vocabulary.Select(token => token + "\n")));
        WriteSentenceTransformersFiles(directory, dimensions.HiddenSize, maxSeqLength);
    }

    /// <summary>A vocab.txt's tokens in id order, one a line, whatever its line endings.</summary>
    public static IReadOnlyList<string> ReadVocabulary(Stream vocabTxt)
    {
        using var reader = new StreamReader(vocabTxt, Encoding.UTF8, leaveOpen: true);
        var tokens = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            tokens.Add(line);
        }

        return tokens;
    }

    private static void WriteConfig(string path, BertDimensions dimensions) => WriteJson(path, json =>
    {
        json.WriteStartArray("architectures");
        json.WriteStringValue("BertModel");
        json.WriteEndArray();
        json.WriteString("model_type", "bert");
        json.WriteNumber("vocab_size", dimensions.VocabSize);
        json.WriteNumber("hidden_size", dimensions.HiddenSize);
        json.WriteNumber("num_hidden_layers", dimensions.Layers);
        json.WriteNumber("num_attention_heads", dimensions.AttentionHeads);
        json.WriteNumber("intermediate_size", dimensions.IntermediateSize);
        // The export computes GELU with Erf, the exact form transformers calls "gelu".
        json.WriteString("hidden_act", "gelu");
        json.WriteNumber("max_position_embeddings", dimensions.MaxPositionEmbeddings);
        json.WriteNumber("type_vocab_size", dimensions.TypeVocabSize);
        json.WriteNumber("layer_norm_eps", 1e-12);
        json.WriteNumber("pad_token_id", 0);
        json.WriteString("position_embedding_type", "absolute");
        json.WriteString("torch_dtype", "float32");
    });

    private static void WriteSentenceTransformersFiles(string directory, int dimension, int maxSeqLength)
    {
        WriteJsonFile(Path.Combine(directory, ModulesFile), json =>
        {
            json.WriteStartArray();
            WriteModule(json, 0, "", "Transformer");
            WriteModule(json, 1, PoolingDirectory, "Pooling");
            WriteModule(json, 2, NormalizeDirectory, "Normalize");
            json.WriteEndArray();
        });

        Directory.CreateDirectory(Path.Combine(directory, PoolingDirectory));
        WriteJson(Path.Combine(directory, PoolingDirectory, ModelDirectory.ConfigFile), json =>
        {
            json.WriteNumber("word_embedding_dimension", dimension);
            json.WriteBoolean("pooling_mode_cls_token", false);
            json.WriteBoolean("pooling_mode_mean_tokens", true);
            json.WriteBoolean("pooling_mode_max_tokens", false);
            json.WriteBoolean("pooling_mode_mean_sqrt_len_tokens", false);
            json.WriteBoolean("pooling_mode_weightedmean_tokens", false);
            json.WriteBoolean("pooling_mode_lasttoken", false);
            json.WriteBoolean("include_prompt", true);
        });

        // Normalize has no configuration; sentence-transformers' own copies of the model keep its folder all the same.
        Directory.CreateDirectory(Path.Combine(directory, NormalizeDirectory));

        // do_lower_case here is sentence-transformers' own lowercasing before the tokenizer, which lowercases already.
        WriteJson(Path.Combine(directory, SentenceBertConfigFile), json =>
        {
            json.WriteNumber("max_seq_length", maxSeqLength);
            json.WriteBoolean("do_lower_case", false);
        });
    }

    private static void WriteModule(Utf8JsonWriter json, int index, string path, string type)
    {
        json.WriteStartObject();
        json.WriteNumber("idx", index);
        json.WriteString("name", index.ToString(System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("path", path);
        json.WriteString("type", $"sentence_transformers.models.{type}");
        json.WriteEndObject();
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> writeProperties) => WriteJsonFile(path, json =>
    {
        json.WriteStartObject();
        writeProperties(json);
        json.WriteEndObject();
    });

    private static void WriteJsonFile(string path, Action<Utf8JsonWriter> write)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        write(json);
    }
}
