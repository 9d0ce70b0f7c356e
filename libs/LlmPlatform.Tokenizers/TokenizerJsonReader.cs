using System.Text;
using System.Text.Json;
using LlmPlatform.Tokenizers.AddedTokens;
using LlmPlatform.Tokenizers.Decoders;
using LlmPlatform.Tokenizers.Models;
using LlmPlatform.Tokenizers.Normalizers;
using LlmPlatform.Tokenizers.PostProcessors;
using LlmPlatform.Tokenizers.PreTokenizers;

namespace LlmPlatform.Tokenizers;

/// <summary>
/// Builds the pipeline stages from tokenizer.json. Every component type the supported families use is read; any
/// other type is a load-time error that names it, never a silent difference in ids.
/// </summary>
internal static class TokenizerJsonReader
{
    public static INormalizer? Normalizer(JsonElement element) => IsNull(element) ? null : Type(element) switch
    {
        "Sequence" => new SequenceNormalizer(element.GetProperty("normalizers").EnumerateArray().Select(n => Normalizer(n)!).ToList()),
        "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC),
        "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD),
        "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC),
        "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD),
        "Lowercase" => new LowercaseNormalizer(),
        "Prepend" => new PrependNormalizer(element.GetProperty("prepend").GetString()!),
        "Replace" => new ReplaceNormalizer(Pattern(element.GetProperty("pattern")), element.GetProperty("content").GetString()!),
        "Strip" => new StripNormalizer(Bool(element, "strip_left", true), Bool(element, "strip_right", true)),
        "StripAccents" => new StripAccentsNormalizer(),
        "BertNormalizer" => new BertNormalizer(
            Bool(element, "clean_text", true),
            Bool(element, "handle_chinese_chars", true),
            element.TryGetProperty("strip_accents", out var strip) && !IsNull(strip) ? strip.GetBoolean() : null,
            Bool(element, "lowercase", true)),
        var other => throw Unsupported("normalizer", other),
    };

    public static IPreTokenizer? PreTokenizer(JsonElement element) => IsNull(element) ? null : Type(element) switch
    {
        "Sequence" => new SequencePreTokenizer(element.GetProperty("pretokenizers").EnumerateArray().Select(p => PreTokenizer(p)!).ToList()),
        "ByteLevel" => new ByteLevelPreTokenizer(Bool(element, "add_prefix_space", true), Bool(element, "use_regex", true)),
        "Split" => new SplitPreTokenizer(Pattern(element.GetProperty("pattern")), Behavior(element.GetProperty("behavior")), Bool(element, "invert", false)),
        "Metaspace" => new MetaspacePreTokenizer(Replacement(element), Scheme(element), Bool(element, "split", true)),
        "Whitespace" => new WhitespacePreTokenizer(),
        "WhitespaceSplit" => new WhitespaceSplitPreTokenizer(),
        "BertPreTokenizer" => new BertPreTokenizer(),
        "Digits" => new DigitsPreTokenizer(Bool(element, "individual_digits", false)),
        "Punctuation" => new PunctuationPreTokenizer(element.TryGetProperty("behavior", out var behavior) ? Behavior(behavior) : SplitBehavior.Isolated),
        var other => throw Unsupported("pre_tokenizer", other),
    };

    public static ITokenizerModel Model(JsonElement element)
    {
        var vocabulary = new Vocabulary(element.GetProperty("vocab").EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetInt32())));
        return Type(element) switch
        {
            "BPE" => new BpeModel(
                vocabulary,
                element.GetProperty("merges").EnumerateArray().Select(Merge).ToList(),
                String(element, "unk_token"),
                Bool(element, "fuse_unk", false),
                Bool(element, "byte_fallback", false),
                Bool(element, "ignore_merges", false),
                String(element, "continuing_subword_prefix"),
                String(element, "end_of_word_suffix")),
            "WordPiece" => new WordPieceModel(
                vocabulary,
                String(element, "unk_token") ?? "[UNK]",
                String(element, "continuing_subword_prefix") ?? "##",
                element.TryGetProperty("max_input_chars_per_word", out var max) ? max.GetInt32() : 100),
            var other => throw Unsupported("model", other),
        };
    }

    public static IPostProcessor? PostProcessor(JsonElement element, Func<string, int> idOf) => IsNull(element) ? null : Type(element) switch
    {
        "TemplateProcessing" => Template(element, idOf),
        "BertProcessing" or "RobertaProcessing" => new TemplateProcessor([element.GetProperty("cls")[1].GetInt32()], [element.GetProperty("sep")[1].GetInt32()]),
        "ByteLevel" => new PassThroughPostProcessor(),
        "Sequence" => new SequencePostProcessor(element.GetProperty("processors").EnumerateArray().Select(p => PostProcessor(p, idOf)!).ToList()),
        var other => throw Unsupported("post_processor", other),
    };

    public static IDecoder? Decoder(JsonElement element) => IsNull(element) ? null : Type(element) switch
    {
        "Sequence" => new SequenceDecoder(element.GetProperty("decoders").EnumerateArray().Select(d => Decoder(d)!).ToList()),
        "ByteLevel" => new ByteLevelDecoder(),
        "ByteFallback" => new ByteFallbackDecoder(),
        "Fuse" => new FuseDecoder(),
        "Replace" => new ReplaceDecoder(Pattern(element.GetProperty("pattern")), element.GetProperty("content").GetString()!),
        "Strip" => new StripDecoder(element.GetProperty("content").GetString()![0], element.GetProperty("start").GetInt32(), element.GetProperty("stop").GetInt32()),
        "Metaspace" => new MetaspaceDecoder(Replacement(element), Scheme(element) != PrependScheme.Never),
        "WordPiece" => new WordPieceDecoder(String(element, "prefix") ?? "##", Bool(element, "cleanup", true)),
        "BPEDecoder" => new BpeSuffixDecoder(String(element, "suffix") ?? "</w>"),
        var other => throw Unsupported("decoder", other),
    };

    public static IEnumerable<AddedToken> AddedTokens(JsonElement element) => IsNull(element) ? [] : element.EnumerateArray().Select(token => new AddedToken(
        token.GetProperty("id").GetInt32(),
        token.GetProperty("content").GetString()!,
        Bool(token, "special", false),
        Bool(token, "single_word", false),
        Bool(token, "lstrip", false),
        Bool(token, "rstrip", false),
        Bool(token, "normalized", false)));

    /// <summary>The single-sequence template: special tokens before and after "$A".</summary>
    private static TemplateProcessor Template(JsonElement element, Func<string, int> idOf)
    {
        var specialIds = new Dictionary<string, int[]>(StringComparer.Ordinal);
        if (element.TryGetProperty("special_tokens", out var specials))
        {
            foreach (var special in specials.EnumerateObject())
            {
                specialIds[special.Name] = special.Value.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray();
            }
        }

        List<int> before = [], after = [];
        var current = before;
        foreach (var item in element.GetProperty("single").EnumerateArray())
        {
            if (item.TryGetProperty("Sequence", out _))
            {
                current = after;
            }
            else if (item.TryGetProperty("SpecialToken", out var token))
            {
                var name = token.GetProperty("id").GetString()!;
                current.AddRange(specialIds.TryGetValue(name, out var ids) ? ids : [idOf(name)]);
            }
        }

        return new TemplateProcessor(before, after);
    }

    private static (string, string) Merge(JsonElement merge)
    {
        if (merge.ValueKind == JsonValueKind.Array)
        {
            return (merge[0].GetString()!, merge[1].GetString()!);
        }

        // "left right": token strings never contain a plain space (byte-level uses Ġ, SentencePiece ▁).
        var text = merge.GetString()!;
        var space = text.IndexOf(' ');
        return space < 0 ? throw new InvalidDataException($"Malformed merge '{text}'.") : (text[..space], text[(space + 1)..]);
    }

    private static PatternMatcher Pattern(JsonElement pattern) =>
        pattern.TryGetProperty("Regex", out var regex) ? PatternMatcher.Pattern(regex.GetString()!) : PatternMatcher.Literal(pattern.GetProperty("String").GetString()!);

    private static SplitBehavior Behavior(JsonElement behavior) => Enum.TryParse<SplitBehavior>(behavior.GetString(), out var value)
        ? value
        : throw Unsupported("split behavior", behavior.GetString() ?? "");

    private static char Replacement(JsonElement element) => String(element, "replacement") is { Length: > 0 } replacement ? replacement[0] : '\u2581';

    /// <summary>Newer files say prepend_scheme; older ones add_prefix_space (true meaning always).</summary>
    private static PrependScheme Scheme(JsonElement element) => String(element, "prepend_scheme") switch
    {
        "always" => PrependScheme.Always,
        "first" => PrependScheme.First,
        "never" => PrependScheme.Never,
        null => Bool(element, "add_prefix_space", true) ? PrependScheme.Always : PrependScheme.Never,
        var other => throw Unsupported("prepend_scheme", other),
    };

    private static string Type(JsonElement element) => element.GetProperty("type").GetString()!;

    private static bool IsNull(JsonElement element) => element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    private static bool Bool(JsonElement element, string name, bool fallback) =>
        element.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : fallback;

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static NotSupportedException Unsupported(string component, string type) => new($"tokenizer.json {component} '{type}' is not supported.");
}
