using System.Text.Json;

namespace LlmPlatform.Tokenizers;

/// <summary>
/// What transformers keeps in tokenizer_config.json: the named special tokens, the chat template(s) and the
/// maximum length. Special tokens may be written as strings or as AddedToken objects ({"content": ...}).
/// </summary>
public sealed class TokenizerConfig
{
    public string? BosToken { get; init; }

    public string? EosToken { get; init; }

    public string? PadToken { get; init; }

    public string? UnkToken { get; init; }

    /// <summary>The default chat template, if the tokenizer has one.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Every named template (a config may list several, e.g. "default" and "tool_use").</summary>
    public IReadOnlyDictionary<string, string> ChatTemplates { get; init; } = new Dictionary<string, string>();

    /// <summary>transformers' sentinel for "no limit" (1e30) reads as null.</summary>
    public long? ModelMaxLength { get; init; }

    public bool CleanUpTokenizationSpaces { get; init; }

    public static TokenizerConfig Empty { get; } = new();

    public static TokenizerConfig Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
        var root = document.RootElement;
        var templates = ReadTemplates(root);
        return new TokenizerConfig
        {
            BosToken = TokenContent(root, "bos_token"),
            EosToken = TokenContent(root, "eos_token"),
            PadToken = TokenContent(root, "pad_token"),
            UnkToken = TokenContent(root, "unk_token"),
            ChatTemplates = templates,
            ChatTemplate = templates.GetValueOrDefault("default"),
            ModelMaxLength = root.TryGetProperty("model_max_length", out var max) && max.ValueKind == JsonValueKind.Number && max.GetDouble() < 1e18
                ? (long)max.GetDouble()
                : null,
            CleanUpTokenizationSpaces = root.TryGetProperty("clean_up_tokenization_spaces", out var cleanup) && cleanup.ValueKind == JsonValueKind.True,
        };
    }

    private static string? TokenContent(JsonElement root, string name) => root.TryGetProperty(name, out var value) ? value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object when value.TryGetProperty("content", out var content) => content.GetString(),
        _ => null,
    } : null;

    private static Dictionary<string, string> ReadTemplates(JsonElement root)
    {
        var templates = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!root.TryGetProperty("chat_template", out var template))
        {
            return templates;
        }

        if (template.ValueKind == JsonValueKind.String)
        {
            templates["default"] = template.GetString()!;
        }
        else if (template.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in template.EnumerateArray())
            {
                if (entry.TryGetProperty("name", out var name) && entry.TryGetProperty("template", out var text))
                {
                    templates[name.GetString()!] = text.GetString()!;
                }
            }
        }

        return templates;
    }
}
