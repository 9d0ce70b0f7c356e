namespace LlmPlatform.Tokenizers.Models;

/// <summary>Token strings to ids and back. Ids may leave gaps; <see cref="Size"/> is one past the highest id.</summary>
public sealed class Vocabulary
{
    private readonly Dictionary<string, int> ids;
    private readonly string?[] tokens;

    public Vocabulary(IEnumerable<KeyValuePair<string, int>> entries)
    {
        ids = new Dictionary<string, int>(entries, StringComparer.Ordinal);
        tokens = new string?[ids.Count == 0 ? 0 : ids.Values.Max() + 1];
        foreach (var (token, id) in ids)
        {
            tokens[id] = token;
        }
    }

    public int Size => tokens.Length;

    public bool TryGetId(string token, out int id) => ids.TryGetValue(token, out id);

    public bool TryGetId(ReadOnlySpan<char> token, out int id) => ids.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out id);

    public string? this[int id] => (uint)id < (uint)tokens.Length ? tokens[id] : null;
}
