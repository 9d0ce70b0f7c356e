using System.IO.Compression;
using LlmPlatform.Models.Demo;
using LlmPlatform.Models.HuggingFace;

namespace LlmPlatform.Tokenizers.Fixtures;

/// <summary>
/// Lays out the real tokenizer fixtures (tests/LlmPlatform.Tokenizers.Tests/Fixtures/tokenizers) as model
/// directories: llama3, qwen3 (Qwen2.5's BPE and regex), llama2 and mistral from public packages (see
/// tools/tokenizer-fixtures), gpt2 written from the GPT-2 vocabulary, bert from bert-base-uncased's vocab.txt.
/// Shared by the tokenizer tests and the tokenizer benchmark.
/// </summary>
public static class FixtureDirectories
{
    public static readonly string[] Families = ["gpt2", "llama3", "qwen3", "llama2", "mistral", "bert"];

    public static string Materialize(string family, string fixturesRoot, string targetRoot)
    {
        var directory = Path.Combine(targetRoot, family);
        Directory.CreateDirectory(directory);
        var source = Path.Combine(fixturesRoot, family);
        switch (family)
        {
            case "gpt2":
                Gpt2TokenizerFiles.WriteTokenizerJson(Path.Combine(directory, HfTokenizer.TokenizerFile), Gpt2Vocabulary.Instance);
                Gpt2TokenizerFiles.WriteTokenizerConfig(Path.Combine(directory, HfTokenizer.ConfigFile), Gpt2Vocabulary.Instance, 1024, ChatMl.Template);
                break;
            case "bert":
                WordPieceTokenizerFiles.Write(directory, File.ReadAllLines(Path.Combine(source, "vocab.txt")), lowercase: true, modelMaxLength: 512);
                break;
            default:
                foreach (var file in Directory.GetFiles(source, "*.gz"))
                {
                    using var input = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
                    using var output = File.Create(Path.Combine(directory, Path.GetFileNameWithoutExtension(file)));
                    input.CopyTo(output);
                }

                break;
        }

        return directory;
    }
}
