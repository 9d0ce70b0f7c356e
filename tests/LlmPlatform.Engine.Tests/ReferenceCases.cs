using System.Text.Json;
using LlmPlatform.Models.Demo;

namespace LlmPlatform.Engine.Tests;

/// <summary>
/// The models of tools/model-reference/make_goldens.sh, rebuilt here with the same writer and seed, and the logits
/// that the independent numpy implementation computed for them.
/// </summary>
public static class ReferenceCases
{
    public static readonly string[] Names = ["llama-gqa", "qwen2-bias-untied", "llama3-rope", "mistral-linear-rope"];

    private static readonly string Root = Directory.CreateTempSubdirectory("llmplatform-engine-reference-").FullName;
    private static readonly Dictionary<string, Lazy<string>> Directories = Names.ToDictionary(n => n, n => new Lazy<string>(() => Write(n)));

    public static string ModelDirectory(string name) => Directories[name].Value;

    public static ReferenceLogits Logits(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "reference", name + ".json")));
        var root = document.RootElement;
        return new ReferenceLogits(
            root.GetProperty("tokens").EnumerateArray().Select(t => t.GetInt32()).ToArray(),
            root.GetProperty("rows").EnumerateArray().Select(row => new ReferenceRow(
                row.GetProperty("first").EnumerateArray().Select(v => v.GetDouble()).ToArray(),
                row.GetProperty("top").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetDouble())).ToArray(),
                row.GetProperty("sum").GetDouble(),
                row.GetProperty("sum_of_squares").GetDouble())).ToArray());
    }

    private static string Write(string name)
    {
        var shape = ModelShape.Demo with { Name = name, HiddenSize = 64, IntermediateSize = 128, Layers = 2, Heads = 4 };
        shape = name switch
        {
            "llama-gqa" => shape with { KeyValueHeads = 2 },
            "qwen2-bias-untied" => shape with { Architecture = "Qwen2ForCausalLM", KeyValueHeads = 1, TieWordEmbeddings = false, DType = "F32" },
            "llama3-rope" => shape with
            {
                KeyValueHeads = 2,
                RopeTheta = 500000,
                RopeScaling = JsonDocument.Parse("""{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,"original_max_position_embeddings":64}""").RootElement.Clone(),
            },
            "mistral-linear-rope" => shape with
            {
                Architecture = "MistralForCausalLM",
                KeyValueHeads = 4,
                DType = "F16",
                RopeScaling = JsonDocument.Parse("""{"type":"linear","factor":2.0}""").RootElement.Clone(),
            },
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        var directory = Path.Combine(Root, name);
        RandomModelWriter.Write(directory, shape, seed: 7);
        return directory;
    }
}

public sealed record ReferenceLogits(int[] Tokens, ReferenceRow[] Rows);

public sealed record ReferenceRow(double[] First, (int Id, double Logit)[] Top, double Sum, double SumOfSquares);
