using LlmPlatform.Tokenizers.Normalizers;

namespace LlmPlatform.Tokenizers.AddedTokens;

/// <summary>
/// The added tokens of a tokenizer and the way Hugging Face finds them in text: leftmost-longest matches, first of
/// the tokens that are not normalized (on the raw text), then, after normalizing what is left, of the normalized ones.
/// </summary>
public sealed class AddedVocabulary
{
    private readonly Dictionary<int, AddedToken> byId;
    private readonly Dictionary<string, AddedToken> byContent;
    private readonly TokenTrie rawTokens;
    private readonly TokenTrie normalizedTokens;

    public AddedVocabulary(IEnumerable<AddedToken> tokens, INormalizer? normalizer)
    {
        var list = tokens.ToList();
        byId = list.ToDictionary(t => t.Id);
        byContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        foreach (var token in list)
        {
            byContent.TryAdd(token.Content, token);
        }

        rawTokens = new TokenTrie(list.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        normalizedTokens = new TokenTrie(list.Where(t => t.Normalized).Select(t => (normalizer?.Normalize(t.Content) ?? t.Content, t)));
    }

    public IReadOnlyCollection<AddedToken> Tokens => byId.Values;

    public int MaxId => byId.Count == 0 ? -1 : byId.Keys.Max();

    public AddedToken? this[int id] => byId.GetValueOrDefault(id);

    public AddedToken? Find(string content) => byContent.GetValueOrDefault(content);

    /// <summary>Cuts <paramref name="text"/> into added tokens and normalized plain-text segments.</summary>
    public void Split(string text, INormalizer? normalizer, List<Segment> segments)
    {
        var rawSegments = new List<Segment>();
        rawTokens.Split(text, atStart: true, rawSegments);
        foreach (var segment in rawSegments)
        {
            if (segment.AddedTokenId is not null)
            {
                segments.Add(segment);
                continue;
            }

            var normalized = normalizer?.Normalize(segment.Text) ?? segment.Text;
            normalizedTokens.Split(normalized, segment.AtStart, segments);
        }
    }

    /// <summary>A character trie over token contents, for leftmost-longest matching of many tokens in one pass.</summary>
    private sealed class TokenTrie
    {
        private readonly Node root = new();

        public TokenTrie(IEnumerable<(string Content, AddedToken Token)> tokens)
        {
            foreach (var (content, token) in tokens)
            {
                if (content.Length == 0)
                {
                    continue;
                }

                var node = root;
                foreach (var c in content)
                {
                    node = node.Children.TryGetValue(c, out var child) ? child : node.Children[c] = new Node();
                }

                node.Token ??= token;
            }
        }

        public void Split(string text, bool atStart, List<Segment> segments)
        {
            var segmentStart = 0;
            var position = 0;
            while (position < text.Length)
            {
                if (!TryMatchAt(text, position, out var token, out var end) || !FitsWordBoundaries(text, position, end, token))
                {
                    position++;
                    continue;
                }

                var start = position;
                if (token.LeftStrip)
                {
                    while (start > segmentStart && char.IsWhiteSpace(text[start - 1]))
                    {
                        start--;
                    }
                }

                if (token.RightStrip)
                {
                    while (end < text.Length && char.IsWhiteSpace(text[end]))
                    {
                        end++;
                    }
                }

                if (start > segmentStart)
                {
                    segments.Add(new Segment(text[segmentStart..start], null, atStart && segmentStart == 0));
                }

                segments.Add(new Segment(text[start..end], token.Id, atStart && start == 0));
                segmentStart = position = end;
            }

            if (segmentStart < text.Length)
            {
                segments.Add(new Segment(text[segmentStart..], null, atStart && segmentStart == 0));
            }
        }

        private bool TryMatchAt(string text, int position, out AddedToken token, out int end)
        {
            token = null!;
            end = -1;
            var node = root;
            for (var i = position; i < text.Length && node.Children.TryGetValue(text[i], out node); i++)
            {
                if (node.Token is not null)
                {
                    token = node.Token;
                    end = i + 1;
                }
            }

            return end > 0;
        }

        /// <summary>A single_word token matches only where no word character touches it.</summary>
        private static bool FitsWordBoundaries(string text, int start, int end, AddedToken token) =>
            !token.SingleWord || ((start == 0 || !IsWordChar(text[start - 1])) && (end == text.Length || !IsWordChar(text[end])));

        private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

        private sealed class Node
        {
            public Dictionary<char, Node> Children { get; } = [];

            public AddedToken? Token { get; set; }
        }
    }
}
