using System.Text.Json;
using LlmPlatform.Tokenizers.AddedTokens;
using LlmPlatform.Tokenizers.Decoders;
using LlmPlatform.Tokenizers.Models;
using LlmPlatform.Tokenizers.Normalizers;
using LlmPlatform.Tokenizers.PostProcessors;
using LlmPlatform.Tokenizers.PreTokenizers;

namespace LlmPlatform.Tokenizers;

/// <summary>
/// A Hugging Face tokenizer loaded from tokenizer.json (and tokenizer_config.json when present), giving the ids
/// Hugging Face's own tokenizers give: added tokens, normalizer, pre-tokenizer, model, post-processor; and back
/// through the decoder. Thread-safe: one instance serves every request.
/// </summary>
public sealed class HfTokenizer
{
    public const string TokenizerFile = "tokenizer.json";
    public const string ConfigFile = "tokenizer_config.json";

    private readonly AddedVocabulary added;
    private readonly INormalizer? normalizer;
    private readonly IPreTokenizer? preTokenizer;
    private readonly ITokenizerModel model;
    private readonly IPostProcessor? postProcessor;
    private readonly IDecoder? decoder;

    private HfTokenizer(AddedVocabulary added, INormalizer? normalizer, IPreTokenizer? preTokenizer, ITokenizerModel model, IPostProcessor? postProcessor, IDecoder? decoder, TokenizerConfig config)
    {
        this.added = added;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.postProcessor = postProcessor;
        this.decoder = decoder;
        Config = config;
        VocabSize = Math.Max(model.VocabSize, added.MaxId + 1);
    }

    public TokenizerConfig Config { get; }

    /// <summary>One past the highest id the tokenizer can produce or decode.</summary>
    public int VocabSize { get; }

    public IReadOnlyCollection<AddedToken> AddedTokens => added.Tokens;

    public static HfTokenizer FromDirectory(string directory)
    {
        var configPath = Path.Combine(directory, ConfigFile);
        return FromFile(Path.Combine(directory, TokenizerFile), File.Exists(configPath) ? TokenizerConfig.Load(configPath) : TokenizerConfig.Empty);
    }

    public static HfTokenizer FromFile(string tokenizerJsonPath, TokenizerConfig config)
    {
        using var stream = File.OpenRead(tokenizerJsonPath);
        try
        {
            return FromJson(stream, config);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"'{tokenizerJsonPath}' is not a valid tokenizer.json: {e.Message}", e);
        }
    }

    public static HfTokenizer FromJson(Stream tokenizerJson, TokenizerConfig config)
    {
        using var document = JsonDocument.Parse(tokenizerJson);
        var root = document.RootElement;
        var normalizer = TokenizerJsonReader.Normalizer(Property(root, "normalizer"));
        var added = new AddedVocabulary(TokenizerJsonReader.AddedTokens(Property(root, "added_tokens")), normalizer);
        var model = TokenizerJsonReader.Model(root.GetProperty("model"));
        var postProcessor = TokenizerJsonReader.PostProcessor(Property(root, "post_processor"), token =>
            added.Find(token)?.Id ?? (model.TryGetId(token, out var id) ? id : throw new InvalidDataException($"Post-processor token '{token}' is not in the vocabulary.")));
        return new HfTokenizer(added, normalizer, TokenizerJsonReader.PreTokenizer(Property(root, "pre_tokenizer")), model, postProcessor, TokenizerJsonReader.Decoder(Property(root, "decoder")), config);
    }

    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        var ids = new List<int>(text.Length / 3 + 4);
        var segments = new List<Segment>();
        added.Split(text, normalizer, segments);
        var pieces = new List<Piece>();
        foreach (var segment in segments)
        {
            if (segment.AddedTokenId is { } addedId)
            {
                ids.Add(addedId);
                continue;
            }

            if (preTokenizer is null)
            {
                model.Tokenize(segment.Text, ids);
                continue;
            }

            pieces.Clear();
            preTokenizer.Split(new Piece(segment.Text, segment.AtStart), pieces);
            foreach (var piece in pieces)
            {
                model.Tokenize(piece.Text, ids);
            }
        }

        if (addSpecialTokens)
        {
            postProcessor?.AddSpecialTokens(ids);
        }

        return [.. ids];
    }

    /// <summary>Text of <paramref name="ids"/>. An id outside the vocabulary is an <see cref="ArgumentOutOfRangeException"/>.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            if (added[id] is { } addedToken)
            {
                if (!(skipSpecialTokens && addedToken.Special))
                {
                    tokens.Add(addedToken.Content);
                }

                continue;
            }

            tokens.Add(model.IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is outside the vocabulary (size {VocabSize})."));
        }

        return decoder is null ? string.Join(' ', tokens) : string.Concat(decoder.DecodeChain(tokens));
    }

    public bool IsSpecial(int id) => added[id]?.Special == true;

    public string? IdToToken(int id) => added[id]?.Content ?? model.IdToToken(id);

    public int? TokenToId(string token) => added.Find(token)?.Id ?? (model.TryGetId(token, out var id) ? id : null);

    /// <summary>A decoder for a stream of generated ids that never emits half a character.</summary>
    public IncrementalDecoder CreateIncrementalDecoder(bool skipSpecialTokens = false, IReadOnlyList<int>? promptIds = null) => new(this, skipSpecialTokens, promptIds);

    private static JsonElement Property(JsonElement root, string name) => root.TryGetProperty(name, out var value) ? value : default;
}
