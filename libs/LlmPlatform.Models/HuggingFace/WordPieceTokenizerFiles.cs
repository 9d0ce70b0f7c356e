using System.Text.Json;

namespace LlmPlatform.Models.HuggingFace;

/// <summary>
/// Writes tokenizer.json and tokenizer_config.json for a BERT WordPiece vocabulary (a vocab.txt, one token per line),
/// in the layout Hugging Face's converter gives BERT models: BertNormalizer, BertPreTokenizer, WordPiece with "##",
/// [CLS] $A [SEP], WordPiece decoder.
/// </summary>
public static class WordPieceTokenizerFiles
{
    private static readonly string[] SpecialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

    public static void Write(string directory, IReadOnlyList<string> vocabulary, bool lowercase, int modelMaxLength)
    {
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < vocabulary.Count; i++)
        {
            ids.TryAdd(vocabulary[i], i);
        }

        var missing = SpecialTokens.Where(t => !ids.ContainsKey(t)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException($"The WordPiece vocabulary lacks {string.Join(", ", missing)}.");
        }

        Directory.CreateDirectory(directory);
        using (var stream = File.Create(Path.Combine(directory, ModelDirectory.TokenizerFile)))
        using (var json = new Utf8JsonWriter(stream, TokenizerJsonWriter.Options))
        {
            WriteTokenizerJson(json, ids, lowercase);
        }

        using (var stream = File.Create(Path.Combine(directory, ModelDirectory.TokenizerConfigFile)))
        using (var json = new Utf8JsonWriter(stream, TokenizerJsonWriter.Options))
        {
            json.WriteStartObject();
            json.WriteBoolean("do_lower_case", lowercase);
            json.WriteString("cls_token", "[CLS]");
            json.WriteString("mask_token", "[MASK]");
            json.WriteString("pad_token", "[PAD]");
            json.WriteString("sep_token", "[SEP]");
            json.WriteString("unk_token", "[UNK]");
            json.WriteBoolean("tokenize_chinese_chars", true);
            json.WriteNull("strip_accents");
            json.WriteBoolean("clean_up_tokenization_spaces", true);
            json.WriteNumber("model_max_length", modelMaxLength);
            json.WriteString("tokenizer_class", "BertTokenizer");
            json.WriteEndObject();
        }
    }

    private static void WriteTokenizerJson(Utf8JsonWriter json, Dictionary<string, int> ids, bool lowercase)
    {
        json.WriteStartObject();
        TokenizerJsonWriter.WriteHeader(json, SpecialTokens.Select(token => (ids[token], token)));

        json.WriteStartObject("normalizer");
        json.WriteString("type", "BertNormalizer");
        json.WriteBoolean("clean_text", true);
        json.WriteBoolean("handle_chinese_chars", true);
        json.WriteNull("strip_accents");
        json.WriteBoolean("lowercase", lowercase);
        json.WriteEndObject();

        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "BertPreTokenizer");
        json.WriteEndObject();

        json.WriteStartObject("post_processor");
        json.WriteString("type", "TemplateProcessing");
        json.WriteStartArray("single");
        WriteTemplateItem(json, "SpecialToken", "[CLS]", 0);
        WriteTemplateItem(json, "Sequence", "A", 0);
        WriteTemplateItem(json, "SpecialToken", "[SEP]", 0);
        json.WriteEndArray();
        json.WriteStartArray("pair");
        WriteTemplateItem(json, "SpecialToken", "[CLS]", 0);
        WriteTemplateItem(json, "Sequence", "A", 0);
        WriteTemplateItem(json, "SpecialToken", "[SEP]", 0);
        WriteTemplateItem(json, "Sequence", "B", 1);
        WriteTemplateItem(json, "SpecialToken", "[SEP]", 1);
        json.WriteEndArray();
        json.WriteStartObject("special_tokens");
        foreach (var token in (string[])["[CLS]", "[SEP]"])
        {
            json.WriteStartObject(token);
            json.WriteString("id", token);
            json.WriteStartArray("ids");
            json.WriteNumberValue(ids[token]);
            json.WriteEndArray();
            json.WriteStartArray("tokens");
            json.WriteStringValue(token);
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartObject("decoder");
        json.WriteString("type", "WordPiece");
        json.WriteString("prefix", "##");
        json.WriteBoolean("cleanup", true);
        json.WriteEndObject();

        json.WriteStartObject("model");
        json.WriteString("type", "WordPiece");
        json.WriteString("unk_token", "[UNK]");
        json.WriteString("continuing_subword_prefix", "##");
        json.WriteNumber("max_input_chars_per_word", 100);
        json.WriteStartObject("vocab");
        foreach (var (token, id) in ids.OrderBy(p => p.Value))
        {
            json.WriteNumber(token, id);
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteTemplateItem(Utf8JsonWriter json, string kind, string id, int typeId)
    {
        json.WriteStartObject();
        json.WriteStartObject(kind);
        json.WriteString("id", id);
        json.WriteNumber("type_id", typeId);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
