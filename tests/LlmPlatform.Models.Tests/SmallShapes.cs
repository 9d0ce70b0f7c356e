using LlmPlatform.Models.Demo;

namespace LlmPlatform.Models.Tests;

internal static class SmallShapes
{
    /// <summary>Tiny dimensions so a test writes a few MB (the GPT-2 embedding still dominates).</summary>
    public static ModelShape Tiny(string architecture = "LlamaForCausalLM", string dtype = "BF16", bool tied = true) => ModelShape.Demo with
    {
        Name = "tiny",
        Architecture = architecture,
        HiddenSize = 32,
        IntermediateSize = 64,
        Layers = 2,
        Heads = 4,
        KeyValueHeads = 2,
        DType = dtype,
        TieWordEmbeddings = tied,
    };
}
