using System.Text.Json;

namespace LlmPlatform.Encoders.Bert;

/// <summary>How token states become one sentence vector (sentence-transformers' Pooling module).</summary>
public enum PoolingMode
{
    /// <summary>The mean over the input's tokens, padding excluded.</summary>
    Mean,

    /// <summary>The first token's state ([CLS]).</summary>
    Cls,

    /// <summary>The last real token's state.</summary>
    LastToken,
}

/// <summary>
/// The sentence-transformers modules after the transformer, read from modules.json: a Pooling module (its
/// config.json) and whether a Normalize module follows. A directory without modules.json is a plain Hugging Face
/// encoder; sentence-transformers then pools by mean without normalizing, and so does this.
/// </summary>
public sealed record SentencePooling(PoolingMode Mode, bool Normalize, int? MaxSeqLength)
{
    private const string PoolingType = "sentence_transformers.models.Pooling";
    private const string NormalizeType = "sentence_transformers.models.Normalize";

    public static SentencePooling Read(string directory)
    {
        var maxSeqLength = ReadMaxSeqLength(directory);
        var modulesPath = Path.Combine(directory, "modules.json");
        if (!File.Exists(modulesPath))
        {
            return new SentencePooling(PoolingMode.Mean, false, maxSeqLength);
        }

        using var modules = JsonDocument.Parse(File.ReadAllText(modulesPath));
        var types = modules.RootElement.EnumerateArray()
            .Select(m => (Type: m.GetProperty("type").GetString() ?? "", Path: m.TryGetProperty("path", out var p) ? p.GetString() ?? "" : ""))
            .ToList();
        var pooling = types.FirstOrDefault(m => m.Type == PoolingType);
        var mode = pooling.Type is null ? PoolingMode.Mean : ReadMode(Path.Combine(directory, pooling.Path, "config.json"));
        return new SentencePooling(mode, types.Any(m => m.Type == NormalizeType), maxSeqLength);
    }

    private static PoolingMode ReadMode(string path)
    {
        using var config = JsonDocument.Parse(File.ReadAllText(path));
        var enabled = config.RootElement.EnumerateObject()
            .Where(p => p.Name.StartsWith("pooling_mode_", StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.True)
            .Select(p => p.Name["pooling_mode_".Length..])
            .ToList();
        return enabled switch
        {
            ["mean_tokens"] => PoolingMode.Mean,
            ["cls_token"] => PoolingMode.Cls,
            ["lasttoken"] => PoolingMode.LastToken,
            _ => throw new NotSupportedException($"{path}: pooling {(enabled.Count == 0 ? "(none)" : string.Join(" + ", enabled))} is not supported; use one of mean_tokens, cls_token, lasttoken."),
        };
    }

    private static int? ReadMaxSeqLength(string directory)
    {
        var path = Path.Combine(directory, "sentence_bert_config.json");
        if (!File.Exists(path))
        {
            return null;
        }

        using var config = JsonDocument.Parse(File.ReadAllText(path));
        return config.RootElement.TryGetProperty("max_seq_length", out var length) && length.ValueKind == JsonValueKind.Number ? length.GetInt32() : null;
    }
}
