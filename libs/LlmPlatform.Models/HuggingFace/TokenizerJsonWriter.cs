using System.Text.Encodings.Web;
using System.Text.Json;

namespace LlmPlatform.Models.HuggingFace;

/// <summary>What every tokenizer.json this project writes shares: Hugging Face's formatting and the head of the file.</summary>
internal static class TokenizerJsonWriter
{
    /// <summary>Indented, with vocabulary strings as raw UTF-8 ("Ġthe", "##ing") as Hugging Face writes them, not \u escapes.</summary>
    public static readonly JsonWriterOptions Options = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The version, no truncation or padding, and the special tokens as non-normalized added tokens.</summary>
    public static void WriteHeader(Utf8JsonWriter json, IEnumerable<(int Id, string Content)> specialTokens)
    {
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        json.WriteStartArray("added_tokens");
        foreach (var (id, content) in specialTokens)
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteString("content", content);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("special", true);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
