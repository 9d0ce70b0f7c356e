using System.Text.Json;
using System.Text.Json.Nodes;

namespace LlmPlatform.PrefixHashing.Tests;

/// <summary>The C# hasher against vectors from the Python implementation in tools/prefix-hash-vectors.</summary>
public sealed class TestVectorTests
{
    private static readonly JsonNode Vectors = JsonNode.Parse(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "prefix-hash-vectors.json")))!;

    public static TheoryData<int> Seeds => Indices("seeds");

    public static TheoryData<int> Blocks => Indices("blocks");

    public static TheoryData<int> Prompts => Indices("prompts");

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Seed_root_matches_the_python_implementation(int index)
    {
        var vector = Vectors["seeds"]![index]!;

        var seed = SeedOf(vector);

        Assert.Equal((string)vector["root"]!, seed.Root.ToString());
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Block_hash_matches_the_python_implementation(int index)
    {
        var vector = Vectors["blocks"]![index]!;

        var hash = PrefixBlockHasher.Hash(
            BlockHash.Parse((string)vector["parent"]!), TokensOf(vector), Convert.FromHexString((string)vector["extra"]!));

        Assert.Equal((string)vector["hash"]!, hash.ToString());
    }

    [Theory]
    [MemberData(nameof(Prompts))]
    public void Prompt_hash_chain_matches_the_python_implementation(int index)
    {
        var vector = Vectors["prompts"]![index]!;
        var images = vector["images"]?.AsArray()
            .Select(image => new ImagePlaceholder(
                (int)image!["offset"]!, (int)image["length"]!, Convert.FromHexString((string)image["content_hash"]!)))
            .ToList();

        var hashes = PrefixBlockHasher.HashPrompt(SeedOf(vector), TokensOf(vector), (int)vector["block_size"]!, images);

        var expected = vector["hashes"]!.AsArray().Select(hash => (string)hash!).ToArray();
        Assert.Equal(expected, hashes.Select(hash => hash.ToString()).ToArray());
    }

    [Fact]
    public void Vectors_cover_images_partial_blocks_and_large_blocks()
    {
        Assert.Contains(Vectors["prompts"]!.AsArray(), prompt => prompt!["images"] is not null);
        Assert.Contains(Vectors["prompts"]!.AsArray(), prompt => TokensOf(prompt!).Length % (int)prompt!["block_size"]! != 0);
        Assert.Contains(Vectors["blocks"]!.AsArray(), block => TokensOf(block!).Length * sizeof(int) > 1024);
    }

    private static PrefixHashSeed SeedOf(JsonNode vector) =>
        new((string)vector["model_id"]!, (string)vector["cache_salt"]!, (string?)vector["lora_adapter_id"]);

    private static int[] TokensOf(JsonNode vector) => vector["tokens"]!.Deserialize<int[]>()!;

    private static TheoryData<int> Indices(string section)
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < Vectors[section]!.AsArray().Count; i++)
            data.Add(i);
        return data;
    }
}
