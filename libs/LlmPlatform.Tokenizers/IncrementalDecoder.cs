namespace LlmPlatform.Tokenizers;

/// <summary>
/// Streaming detokenization as vLLM does it: decode a short window of recent ids twice, without and with the new
/// ones, and emit the difference, unless the text ends in U+FFFD (a character whose bytes have not all arrived yet;
/// it is emitted once complete). Decoding a window rather than only the new ids keeps decoders that look at
/// neighbours (leading-space stripping, "##" joins, byte fallback) consistent with a full decode.
/// </summary>
public sealed class IncrementalDecoder
{
    /// <summary>How many already-emitted ids stay in the window as context.</summary>
    private const int ContextIds = 5;

    private readonly HfTokenizer tokenizer;
    private readonly bool skipSpecialTokens;
    private readonly List<int> ids;
    private int prefixOffset;
    private int readOffset;

    internal IncrementalDecoder(HfTokenizer tokenizer, bool skipSpecialTokens, IReadOnlyList<int>? promptIds)
    {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
        ids = promptIds is null ? [] : [.. promptIds];
        readOffset = ids.Count;
        prefixOffset = Math.Max(0, ids.Count - ContextIds);
    }

    /// <summary>Adds one generated id and returns the text it completes (often empty while a character is incomplete).</summary>
    public string Add(int id)
    {
        ids.Add(id);
        return Emit(final: false);
    }

    /// <summary>
    /// At the end of generation: whatever is still held back, incomplete characters included (as U+FFFD, as a full
    /// decode shows them), so that the streamed text always adds up to the full decode.
    /// </summary>
    public string Flush() => Emit(final: true);

    private string Emit(bool final)
    {
        var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(ids);
        var prefixText = tokenizer.Decode(span[prefixOffset..readOffset], skipSpecialTokens);
        var newText = tokenizer.Decode(span[prefixOffset..], skipSpecialTokens);
        if (newText.Length <= prefixText.Length || (!final && newText.EndsWith('\uFFFD')))
        {
            return "";
        }

        prefixOffset = readOffset;
        readOffset = ids.Count;
        return newText[prefixText.Length..];
    }
}
