using System.CommandLine;
using LlmPlatform.Models.Demo;

var shapeOption = new Option<string>("--shape")
{
    Description = $"Preset to start from: {string.Join(", ", ModelShape.Presets.Keys)}.",
    DefaultValueFactory = _ => "demo",
};
var outOption = new Option<DirectoryInfo?>("--out")
{
    Description = $"Directory to write. Default: the model cache ({ModelCache.RootVariable} or ~/.cache/llmplatform/models), reused when already there.",
};
var architectureOption = new Option<string?>("--architecture") { Description = string.Join(", ", ModelShape.SupportedArchitectures.Keys) };
var nameOption = new Option<string?>("--name") { Description = "Folder name in the cache (default: the preset's name, suffixed when dimensions change)." };
var hiddenOption = new Option<int?>("--hidden-size");
var intermediateOption = new Option<int?>("--intermediate-size");
var layersOption = new Option<int?>("--layers");
var headsOption = new Option<int?>("--heads");
var kvHeadsOption = new Option<int?>("--kv-heads");
var maxPositionsOption = new Option<int?>("--max-position-embeddings");
var dtypeOption = new Option<string?>("--dtype") { Description = "Weights dtype: BF16, F16 or F32." };
var ropeThetaOption = new Option<double?>("--rope-theta");
var ropeScalingOption = new Option<string?>("--rope-scaling") { Description = "config.json rope_scaling as JSON, e.g. {\"rope_type\":\"linear\",\"factor\":2}." };
var untiedOption = new Option<bool>("--untied") { Description = "Write a separate lm_head instead of tying it to the embedding." };
var seedOption = new Option<int>("--seed") { DefaultValueFactory = _ => RandomModelWriter.DefaultSeed };

var root = new RootCommand("Writes a random-weight model in Hugging Face layout (config.json, model.safetensors, GPT-2 tokenizer with ChatML).")
{
    shapeOption, outOption, architectureOption, nameOption, hiddenOption, intermediateOption, layersOption, headsOption, kvHeadsOption,
    maxPositionsOption, dtypeOption, ropeThetaOption, ropeScalingOption, untiedOption, seedOption,
};

root.SetAction(parse =>
{
    var presetName = parse.GetValue(shapeOption)!;
    if (!ModelShape.Presets.TryGetValue(presetName, out var preset))
    {
        Console.Error.WriteLine($"Unknown shape '{presetName}'. Presets: {string.Join(", ", ModelShape.Presets.Keys)}.");
        return 2;
    }

    var shape = preset with
    {
        Architecture = parse.GetValue(architectureOption) ?? preset.Architecture,
        HiddenSize = parse.GetValue(hiddenOption) ?? preset.HiddenSize,
        IntermediateSize = parse.GetValue(intermediateOption) ?? preset.IntermediateSize,
        Layers = parse.GetValue(layersOption) ?? preset.Layers,
        Heads = parse.GetValue(headsOption) ?? preset.Heads,
        KeyValueHeads = parse.GetValue(kvHeadsOption) ?? preset.KeyValueHeads,
        MaxPositionEmbeddings = parse.GetValue(maxPositionsOption) ?? preset.MaxPositionEmbeddings,
        DType = parse.GetValue(dtypeOption)?.ToUpperInvariant() ?? preset.DType,
        TieWordEmbeddings = preset.TieWordEmbeddings && !parse.GetValue(untiedOption),
        RopeTheta = parse.GetValue(ropeThetaOption) ?? preset.RopeTheta,
        RopeScaling = parse.GetValue(ropeScalingOption) is { } scaling ? System.Text.Json.JsonDocument.Parse(scaling).RootElement.Clone() : preset.RopeScaling,
    };
    var seed = parse.GetValue(seedOption);
    shape = shape with { Name = parse.GetValue(nameOption) ?? (shape == preset && seed == RandomModelWriter.DefaultSeed ? preset.Name : DescriptiveName(shape, seed)) };

    try
    {
        shape.Validate();
        var progress = ConsoleModelProgress.ForConsole();
        var outDirectory = parse.GetValue(outOption);
        string path;
        if (outDirectory is null)
        {
            path = ModelCache.EnsureRandomModel(ModelCache.DefaultRoot(), shape, progress, seed);
        }
        else if (outDirectory.Exists && outDirectory.EnumerateFileSystemInfos().Any())
        {
            Console.Error.WriteLine($"'{outDirectory.FullName}' exists and is not empty.");
            return 2;
        }
        else
        {
            RandomModelWriter.Write(outDirectory.FullName, shape, seed, progress);
            path = outDirectory.FullName;
        }

        Console.WriteLine(path);
        return 0;
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine(e.Message);
        return 2;
    }
});

return root.Parse(args).Invoke();

// A folder name that changes with every dimension and the seed, so different models never share a cache entry.
static string DescriptiveName(ModelShape shape, int seed) =>
    $"{ModelShape.SupportedArchitectures[shape.Architecture]}-h{shape.HiddenSize}-i{shape.IntermediateSize}-l{shape.Layers}-a{shape.Heads}-kv{shape.KeyValueHeads}" +
    $"-p{shape.MaxPositionEmbeddings}-{shape.DType.ToLowerInvariant()}{(shape.TieWordEmbeddings ? "" : "-untied")}-theta{shape.RopeTheta}" +
    (shape.RopeScaling is { } scaling ? "-rope" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(scaling.GetRawText())))[..8].ToLowerInvariant() : "") +
    $"-seed{seed}";
