using System.Text.Json;
using LlmPlatform.Models.HuggingFace;

namespace LlmPlatform.Models.Demo;

/// <summary>
/// Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> for the GPT-2 vocabulary plus ChatML's special
/// tokens, in the exact layout Hugging Face's GPT-2 tokenizer files use (byte-level pre-tokenizer and decoder, BPE
/// model with string merges), so that Hugging Face's own tokenizers load them unchanged.
/// </summary>
public static class Gpt2TokenizerFiles
{
    /// <summary>The special tokens after the mergeable vocabulary, in id order.</summary>
    public static IReadOnlyList<string> SpecialTokens { get; } = [Gpt2Vocabulary.EndOfText, ChatMl.ImStart, ChatMl.ImEnd];

    public static int TokenCount(Gpt2Vocabulary vocabulary) => vocabulary.TokensByRank.Count + SpecialTokens.Count;

    public static int IdOf(Gpt2Vocabulary vocabulary, string specialToken)
    {
        var index = SpecialTokens.ToList().IndexOf(specialToken);
        return index < 0 ? throw new ArgumentException($"'{specialToken}' is not a special token.", nameof(specialToken)) : vocabulary.TokensByRank.Count + index;
    }

    public static void WriteTokenizerJson(string path, Gpt2Vocabulary vocabulary)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, TokenizerJsonWriter.Options);
        json.WriteStartObject();
        TokenizerJsonWriter.WriteHeader(json, SpecialTokens.Select(token => (IdOf(vocabulary, token), token)));
        json.WriteNull("normalizer");
        WriteByteLevel(json, "pre_tokenizer", addPrefixSpace: false, trimOffsets: true);
        WriteByteLevel(json, "post_processor", addPrefixSpace: true, trimOffsets: false);
        WriteByteLevel(json, "decoder", addPrefixSpace: true, trimOffsets: true);

        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteString("continuing_subword_prefix", "");
        json.WriteString("end_of_word_suffix", "");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteStartObject("vocab");
        for (var id = 0; id < vocabulary.TokensByRank.Count; id++)
        {
            json.WriteNumber(Gpt2Vocabulary.ToByteLevel(vocabulary.TokensByRank[id]), id);
        }

        json.WriteEndObject();
        json.WriteStartArray("merges");
        foreach (var (left, right) in vocabulary.Merges)
        {
            json.WriteStringValue(Gpt2Vocabulary.ToByteLevel(vocabulary.TokensByRank[left]) + " " + Gpt2Vocabulary.ToByteLevel(vocabulary.TokensByRank[right]));
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static void WriteTokenizerConfig(string path, Gpt2Vocabulary vocabulary, int modelMaxLength, string chatTemplate)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, TokenizerJsonWriter.Options);
        json.WriteStartObject();
        json.WriteBoolean("add_bos_token", false);
        json.WriteBoolean("add_prefix_space", false);
        json.WriteStartObject("added_tokens_decoder");
        foreach (var token in SpecialTokens)
        {
            json.WriteStartObject(IdOf(vocabulary, token).ToString(System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("content", token);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("special", true);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteString("bos_token", Gpt2Vocabulary.EndOfText);
        json.WriteString("eos_token", ChatMl.ImEnd);
        json.WriteString("pad_token", Gpt2Vocabulary.EndOfText);
        json.WriteString("unk_token", Gpt2Vocabulary.EndOfText);
        json.WriteString("chat_template", chatTemplate);
        json.WriteBoolean("clean_up_tokenization_spaces", false);
        json.WriteNumber("model_max_length", modelMaxLength);
        json.WriteString("tokenizer_class", "GPT2Tokenizer");
        json.WriteEndObject();
    }

    private static void WriteByteLevel(Utf8JsonWriter json, string name, bool addPrefixSpace, bool trimOffsets)
    {
        json.WriteStartObject(name);
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", addPrefixSpace);
        json.WriteBoolean("trim_offsets", trimOffsets);
        json.WriteBoolean("use_regex", true);
        json.WriteEndObject();
    }
}
