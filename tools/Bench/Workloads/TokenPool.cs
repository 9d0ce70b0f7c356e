using System.Text;

namespace LlmPlatform.Bench.Workloads;

/// <summary>
/// Token ids of the served model's own vocabulary to cut prompts from: a seeded text of made-up words, tokenized
/// once by the server. A prompt of n tokens is n consecutive ids from a random offset, so its length is exact in the
/// model's tokens, and prompts do not share a prefix unless a workload makes them.
/// </summary>
public sealed class TokenPool
{
    private readonly IReadOnlyList<int> tokens;

    private TokenPool(IReadOnlyList<int> tokens) => this.tokens = tokens;

    public int Count => tokens.Count;

    public static async Task<TokenPool> BuildAsync(ITokenizer tokenizer, int seed, int words, CancellationToken cancellation)
    {
        var random = new Random(seed);
        var text = new StringBuilder();
        const string letters = "etaoinshrdlcumwfgypbvkjxqz";
        for (var w = 0; w < words; w++)
        {
            var length = 2 + random.Next(8);
            for (var i = 0; i < length; i++)
            {
                // Frequent letters more often, so the words tokenize like text rather than noise.
                text.Append(letters[Math.Min(letters.Length - 1, (int)(random.NextDouble() * random.NextDouble() * letters.Length))]);
            }

            text.Append(random.Next(12) == 0 ? ". " : " ");
        }

        var ids = await tokenizer.TokenizeAsync(text.ToString(), cancellation);
        return ids.Count == 0 ? throw new InvalidOperationException("The server's tokenizer returned no tokens for the corpus.") : new TokenPool(ids);
    }

    /// <summary>Exactly <paramref name="length"/> ids, from a random offset (wrapping around the pool).</summary>
    public int[] Take(Random random, int length)
    {
        var start = random.Next(tokens.Count);
        var slice = new int[length];
        for (var i = 0; i < length; i++)
        {
            slice[i] = tokens[(start + i) % tokens.Count];
        }

        return slice;
    }
}
