using System.Text.Json;

namespace LlmPlatform.Models.HuggingFace;

/// <summary>The part of generation_config.json a server needs: the token ids that end generation.</summary>
public static class GenerationConfig
{
    /// <summary>eos_token_id from generation_config.json (a number or a list) joined with config.json's, as vLLM does.</summary>
    public static IReadOnlySet<int> EosTokenIds(ModelDirectory directory)
    {
        var ids = new HashSet<int>(directory.Config.EosTokenId);
        var path = Path.Combine(directory.Path, ModelDirectory.GenerationConfigFile);
        if (!File.Exists(path))
        {
            return ids;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        if (document.RootElement.TryGetProperty("eos_token_id", out var eos))
        {
            if (eos.ValueKind == JsonValueKind.Number)
            {
                ids.Add(eos.GetInt32());
            }
            else if (eos.ValueKind == JsonValueKind.Array)
            {
                ids.UnionWith(eos.EnumerateArray().Select(e => e.GetInt32()));
            }
        }

        return ids;
    }
}
