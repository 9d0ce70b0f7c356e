using LlmPlatform.Tokenizers;
using LlmPlatform.Tokenizers.Chat;
using Microsoft.Extensions.Options;

namespace LlmPlatform.TokenizerService;

/// <summary>A served model's tokenizer and chat renderer.</summary>
public sealed record LoadedTokenizer(string Name, string Path, HfTokenizer Tokenizer, ChatPromptRenderer Chat);

/// <summary>Every configured tokenizer, loaded once at startup: a bad directory stops the service with the path named.</summary>
public sealed class TokenizerRegistry
{
    private readonly Dictionary<string, LoadedTokenizer> byName;

    public TokenizerRegistry(IOptions<TokenizerOptions> options, ILogger<TokenizerRegistry> logger)
    {
        byName = new Dictionary<string, LoadedTokenizer>(StringComparer.Ordinal);
        foreach (var model in options.Value.Models)
        {
            var path = System.IO.Path.GetFullPath(model.Path);
            var name = string.IsNullOrWhiteSpace(model.Name) ? System.IO.Path.GetFileName(path.TrimEnd('/')) : model.Name;
            HfTokenizer tokenizer;
            try
            {
                tokenizer = HfTokenizer.FromDirectory(path);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException)
            {
                throw new InvalidOperationException($"Tokenizer for model '{name}' could not be loaded from '{path}': {e.Message}", e);
            }

            if (!byName.TryAdd(name, new LoadedTokenizer(name, path, tokenizer, new ChatPromptRenderer(tokenizer))))
            {
                throw new InvalidOperationException($"Model name '{name}' is configured twice under {TokenizerOptions.Section}:Models.");
            }

            Log.TokenizerLoaded(logger, name, path, tokenizer.VocabSize);
        }
    }

    public IReadOnlyCollection<LoadedTokenizer> All => byName.Values;

    public LoadedTokenizer? Find(string name) => byName.GetValueOrDefault(name);
}

internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Serving the tokenizer of {Model} from {Path} ({VocabSize} ids)")]
    public static partial void TokenizerLoaded(ILogger logger, string model, string path, int vocabSize);
}
