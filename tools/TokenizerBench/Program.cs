using System.Diagnostics;
using LlmPlatform.Tokenizers;
using LlmPlatform.Tokenizers.Fixtures;
using OracleTokenizer = Tokenizers.DotNet.Tokenizer;

// Encode throughput, single-threaded, of our tokenizer and of Hugging Face's Rust tokenizers on the same documents.
// Usage: dotnet run -c Release --project tools/TokenizerBench [-- --seconds 3 --families gpt2,llama3]
var options = BenchOptions.Parse(args);
var repository = FindRepositoryRoot();
var fixtures = Path.Combine(repository, "tests", "LlmPlatform.Tokenizers.Tests", "Fixtures", "tokenizers");
var workDirectory = Directory.CreateTempSubdirectory("llmplatform-tokenizer-bench-").FullName;
var workloads = new Dictionary<string, string[]>
{
    ["english+code"] = EnglishDocuments(),
    ["multilingual"] = Enumerable.Repeat(LlmPlatform.Tokenizers.Tests.Corpus.Lines, 50).SelectMany(lines => lines).Where(l => l.Length > 0).ToArray(),
};

Console.WriteLine($"| family | workload | documents | tokens | ours (tokens/s) | Hugging Face (tokens/s) | ratio |");
Console.WriteLine($"| --- | --- | ---: | ---: | ---: | ---: | ---: |");
try
{
    foreach (var family in options.Families)
    {
        var directory = FixtureDirectories.Materialize(family, fixtures, workDirectory);
        var ours = HfTokenizer.FromDirectory(directory);
        var oracle = new OracleTokenizer(vocabPath: Path.Combine(directory, HfTokenizer.TokenizerFile));
        foreach (var (workload, documents) in workloads)
        {
            var tokens = documents.Sum(d => (long)ours.Encode(d).Length);
            var mismatch = documents.FirstOrDefault(d => !ours.Encode(d).SequenceEqual(oracle.Encode(d).Select(id => (int)id)));
            if (mismatch is not null)
            {
                Console.Error.WriteLine($"{family}/{workload}: ids differ from Hugging Face on: {mismatch[..Math.Min(80, mismatch.Length)]}");
                return 1;
            }

            var oursRate = TokensPerSecond(documents, tokens, d => ours.Encode(d).Length, options.Seconds);
            var oracleRate = TokensPerSecond(documents, tokens, d => oracle.Encode(d).Length, options.Seconds);
            Console.WriteLine($"| {family} | {workload} | {documents.Length} | {tokens} | {oursRate:N0} | {oracleRate:N0} | {oursRate / oracleRate:F2}x |");
        }
    }
}
finally
{
    Directory.Delete(workDirectory, recursive: true);
}

return 0;

// Best of three timed passes over all documents after a warm-up pass; each pass runs at least `seconds`.
static double TokensPerSecond(string[] documents, long tokensPerPass, Func<string, int> encode, double seconds)
{
    foreach (var document in documents)
    {
        encode(document);
    }

    var best = 0.0;
    for (var round = 0; round < 3; round++)
    {
        var clock = Stopwatch.StartNew();
        long tokens = 0;
        do
        {
            foreach (var document in documents)
            {
                encode(document);
            }

            tokens += tokensPerPass;
        }
        while (clock.Elapsed.TotalSeconds < seconds);

        best = Math.Max(best, tokens / clock.Elapsed.TotalSeconds);
    }

    return best;
}

// The .NET reference documentation that ships with the SDK: English prose with code, on every machine with the SDK.
static string[] EnglishDocuments()
{
    var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
    var packs = Path.GetFullPath(Path.Combine(runtime, "..", "..", "..", "packs", "Microsoft.NETCore.App.Ref"));
    var file = Directory.GetFiles(packs, "System.Runtime.xml", SearchOption.AllDirectories).Order().Last();
    var text = File.ReadAllText(file);
    text = text[..Math.Min(text.Length, 2_000_000)];
    return Enumerable.Range(0, (text.Length + 1999) / 2000).Select(i => text.Substring(i * 2000, Math.Min(2000, text.Length - i * 2000))).ToArray();
}

static string FindRepositoryRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "LlmPlatform.sln")))
        {
            return directory.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository.");
}

internal sealed record BenchOptions(double Seconds, string[] Families)
{
    public static BenchOptions Parse(string[] args)
    {
        var seconds = 2.0;
        var families = FixtureDirectories.Families;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--seconds":
                    seconds = double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture);
                    break;
                case "--families":
                    families = args[i + 1].Split(',');
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}. Options: --seconds N, --families a,b.");
            }
        }

        return new BenchOptions(seconds, families);
    }
}
