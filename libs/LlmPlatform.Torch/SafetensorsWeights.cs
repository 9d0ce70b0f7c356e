using System.Text.Json;
using LlmPlatform.Models.HuggingFace;
using LlmPlatform.Models.Safetensors;
using TorchSharp;
using static TorchSharp.torch;

namespace LlmPlatform.Torch;

/// <summary>
/// The tensors of a model directory, from model.safetensors or from the shards that model.safetensors.index.json
/// names. A tensor is read straight from its file into a tensor of the stored dtype, then cast to the compute dtype.
/// </summary>
public sealed class SafetensorsWeights
{
    private readonly Dictionary<string, (string File, SafetensorsHeader Header)> locations;

    private SafetensorsWeights(Dictionary<string, (string, SafetensorsHeader)> locations) => this.locations = locations;

    public IEnumerable<string> Names => locations.Keys;

    public static SafetensorsWeights Open(string modelDirectory)
    {
        var index = Path.Combine(modelDirectory, ModelDirectory.ShardedWeightsIndex);
        var files = File.Exists(index) ? ShardFiles(index) : [ModelDirectory.SingleWeightsFile];
        var locations = new Dictionary<string, (string, SafetensorsHeader)>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var path = Path.Combine(modelDirectory, file);
            var header = SafetensorsHeader.Read(path);
            foreach (var name in header.Tensors.Keys)
            {
                locations[name] = (path, header);
            }
        }

        return new SafetensorsWeights(locations);
    }

    public bool Contains(string name) => locations.ContainsKey(name);

    public Tensor Load(string name, ScalarType computeType, Device device)
    {
        if (!locations.TryGetValue(name, out var location))
        {
            throw new InvalidDataException($"The model's weights have no tensor '{name}'.");
        }

        var info = location.Header.Tensors[name];
        using var stored = empty(info.Shape, StoredType(info.DType, name));
        using (var stream = File.OpenRead(location.File))
        {
            stream.Position = location.Header.DataStart + info.Begin;
            stream.ReadExactly(stored.bytes);
        }

        return stored.to(computeType, device).DetachFromDisposeScope();
    }

    private static ScalarType StoredType(string dtype, string name) => dtype switch
    {
        "F32" => ScalarType.Float32,
        "BF16" => ScalarType.BFloat16,
        "F16" => ScalarType.Float16,
        _ => throw new InvalidDataException($"Tensor '{name}' is stored as {dtype}; only F32, BF16 and F16 weights are supported."),
    };

    private static IEnumerable<string> ShardFiles(string indexPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(indexPath));
        return document.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().ToList();
    }
}
