using LlmPlatform.Tokenizers.Fixtures;
using OracleTokenizer = Tokenizers.DotNet.Tokenizer;

namespace LlmPlatform.Tokenizers.Tests;

/// <summary>Each fixture family materialized once per test run, with our tokenizer and the Hugging Face oracle for it.</summary>
public static class TokenizerFixtures
{
    public static readonly string[] Families = FixtureDirectories.Families;

    private static readonly string Root = Directory.CreateTempSubdirectory("llmplatform-tokenizer-fixtures-").FullName;
    private static readonly string Source = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizers");
    private static readonly Dictionary<string, Lazy<string>> Directories = Families.ToDictionary(f => f, f => new Lazy<string>(() => FixtureDirectories.Materialize(f, Source, Root)));
    private static readonly Dictionary<string, Lazy<HfTokenizer>> Ours = Families.ToDictionary(f => f, f => new Lazy<HfTokenizer>(() => HfTokenizer.FromDirectory(DirectoryOf(f))));
    private static readonly Dictionary<string, Lazy<OracleTokenizer>> Oracles = Families.ToDictionary(
        f => f, f => new Lazy<OracleTokenizer>(() => new OracleTokenizer(vocabPath: Path.Combine(DirectoryOf(f), HfTokenizer.TokenizerFile))));

    public static string DirectoryOf(string family) => Directories[family].Value;

    public static HfTokenizer Tokenizer(string family) => Ours[family].Value;

    public static OracleTokenizer Oracle(string family) => Oracles[family].Value;
}
