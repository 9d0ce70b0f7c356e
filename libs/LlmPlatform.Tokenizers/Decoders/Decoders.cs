using System.Text;

namespace LlmPlatform.Tokenizers.Decoders;

/// <summary>
/// A tokenizer.json decoder: maps the list of token strings to a list of strings whose concatenation is the text.
/// Stages of a Sequence each see the previous stage's list, as in Hugging Face's decode_chain.
/// </summary>
public interface IDecoder
{
    List<string> DecodeChain(List<string> tokens);
}

public sealed class SequenceDecoder(IReadOnlyList<IDecoder> decoders) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => decoders.Aggregate(tokens, (current, decoder) => decoder.DecodeChain(current));
}

/// <summary>Joins everything into one string (so that later stages see the whole text).</summary>
public sealed class FuseDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

public sealed class ReplaceDecoder(PatternMatcher pattern, string content) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(token => pattern.Replace(token, content));
}

/// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing copies of a character from every token.</summary>
public sealed class StripDecoder(char content, int start, int stop) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(token =>
    {
        var from = 0;
        while (from < Math.Min(start, token.Length) && token[from] == content)
        {
            from++;
        }

        var to = token.Length;
        while (token.Length - to < stop && to > from && token[to - 1] == content)
        {
            to--;
        }

        return token[from..to];
    });
}

/// <summary>
/// Turns runs of &lt;0xNN&gt; tokens back into text; a run that is not valid UTF-8 becomes one U+FFFD per byte,
/// exactly as Hugging Face does.
/// </summary>
public sealed class ByteFallbackDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (TryParseByte(token, out var value))
            {
                pending.Add(value);
                continue;
            }

            Flush();
            output.Add(token);
        }

        Flush();
        return output;

        void Flush()
        {
            if (pending.Count == 0)
            {
                return;
            }

            output.Add(StrictUtf8.TryDecode(pending.ToArray(), out var text) ? text : new string('\uFFFD', pending.Count));
            pending.Clear();
        }
    }

    private static bool TryParseByte(string token, out byte value)
    {
        value = 0;
        return token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.HexNumber, null, out value);
    }
}

/// <summary>Byte-level tokens back to bytes, then UTF-8 with invalid sequences replaced (Rust's from_utf8_lossy).</summary>
public sealed class ByteLevelDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            var start = bytes.Count;
            foreach (var c in token)
            {
                if (!ByteLevelAlphabet.TryGetByte(c, out var value))
                {
                    // A token that is not byte-level text (an added token such as "<|im_start|>") stands for itself.
                    bytes.RemoveRange(start, bytes.Count - start);
                    bytes.AddRange(Encoding.UTF8.GetBytes(token));
                    break;
                }

                bytes.Add(value);
            }
        }

        return [Encoding.UTF8.GetString(bytes.ToArray())];
    }
}

/// <summary>"▁" back to spaces; the space that the pre-tokenizer prepended to the first token is dropped.</summary>
public sealed class MetaspaceDecoder(char replacement, bool dropLeadingSpace) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var text = tokens[i].Replace(replacement, ' ');
            if (i == 0 && dropLeadingSpace && text.StartsWith(' '))
            {
                text = text[1..];
            }

            output.Add(text);
        }

        return output;
    }
}

/// <summary>WordPiece: "##" continuations join the previous token, other tokens get a space; optionally BERT's punctuation clean-up.</summary>
public sealed class WordPieceDecoder(string prefix, bool cleanup) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var output = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (i != 0)
            {
                token = token.StartsWith(prefix, StringComparison.Ordinal) ? token[prefix.Length..] : " " + token;
            }

            output.Add(cleanup ? Cleanup(token) : token);
        }

        return output;
    }

    /// <summary>transformers' clean_up_tokenization.</summary>
    public static string Cleanup(string text) => text
        .Replace(" .", ".", StringComparison.Ordinal).Replace(" ?", "?", StringComparison.Ordinal).Replace(" !", "!", StringComparison.Ordinal)
        .Replace(" ,", ",", StringComparison.Ordinal).Replace(" ' ", "'", StringComparison.Ordinal).Replace(" n't", "n't", StringComparison.Ordinal)
        .Replace(" 'm", "'m", StringComparison.Ordinal).Replace(" do not", " don't", StringComparison.Ordinal).Replace(" 's", "'s", StringComparison.Ordinal)
        .Replace(" 've", "'ve", StringComparison.Ordinal).Replace(" 're", "'re", StringComparison.Ordinal);
}

/// <summary>BPE with an end-of-word suffix: the suffix becomes a space, except after the last token.</summary>
public sealed class BpeSuffixDecoder(string suffix) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) =>
        tokens.Select((token, i) => token.Replace(suffix, i == tokens.Count - 1 ? "" : " ", StringComparison.Ordinal)).ToList();
}

internal static class StrictUtf8
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryDecode(byte[] bytes, out string text)
    {
        try
        {
            text = Strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }
}
