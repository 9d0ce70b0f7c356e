using OracleTokenizer = Tokenizers.DotNet.Tokenizer;
using System.IO.Compression;
using LlmPlatform.Models.Demo;
using LlmPlatform.Models.HuggingFace;

namespace LlmPlatform.Tokenizers.Tests;

/// <summary>
/// The real tokenizer files the tests run against, each laid out as a model directory once per test run:
/// llama3, qwen3 (Qwen2.5's BPE and regex), llama2 and mistral from public packages (see
/// tools/tokenizer-fixtures), gpt2 written from the GPT-2 vocabulary, bert from bert-base-uncased's vocab.txt.
/// </summary>
public static class TokenizerFixtures
{
    public static readonly string[] Families = ["gpt2", "llama3", "qwen3", "llama2", "mistral", "bert"];

    private static readonly string Root = Directory.CreateTempSubdirectory("llmplatform-tokenizer-fixtures-").FullName;
    private static readonly Dictionary<string, Lazy<string>> Directories = Families.ToDictionary(f => f, f => new Lazy<string>(() => Materialize(f)));
    private static readonly Dictionary<string, Lazy<HfTokenizer>> Ours = Families.ToDictionary(f => f, f => new Lazy<HfTokenizer>(() => HfTokenizer.FromDirectory(DirectoryOf(f))));
    private static readonly Dictionary<string, Lazy<OracleTokenizer>> Oracles = Families.ToDictionary(
        f => f, f => new Lazy<OracleTokenizer>(() => new OracleTokenizer(vocabPath: Path.Combine(DirectoryOf(f), HfTokenizer.TokenizerFile))));

    public static string DirectoryOf(string family) => Directories[family].Value;

    public static HfTokenizer Tokenizer(string family) => Ours[family].Value;

    public static OracleTokenizer Oracle(string family) => Oracles[family].Value;

    private static string Materialize(string family)
    {
        var directory = Path.Combine(Root, family);
        Directory.CreateDirectory(directory);
        var source = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizers", family);
        switch (family)
        {
            case "gpt2":
                Gpt2TokenizerFiles.WriteTokenizerJson(Path.Combine(directory, HfTokenizer.TokenizerFile), Gpt2Vocabulary.Instance);
                Gpt2TokenizerFiles.WriteTokenizerConfig(Path.Combine(directory, HfTokenizer.ConfigFile), Gpt2Vocabulary.Instance, 1024, ChatTemplates.ChatMl);
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
