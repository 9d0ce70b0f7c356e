namespace LlmPlatform.Embeddings.Api;

/// <summary>
/// A request checked against the served model: every input as the ids the model will embed (tokenized, truncated when
/// asked), and how its vectors are to be shaped and written.
/// </summary>
public sealed record EmbeddingWork(IReadOnlyList<int[]> Inputs, int? Dimensions, bool Base64)
{
    /// <summary>The request's usage: every token embedded, after truncation.</summary>
    public int Tokens => Inputs.Sum(input => input.Length);

    /// <summary>
    /// Checks <paramref name="request"/> and tokenizes its inputs, or says why it cannot be served, in the order a
    /// client would fix things: the model, the input's presence, then each setting, then each input.
    /// </summary>
    public static (EmbeddingWork? Work, RequestError? Error) From(EmbeddingRequest request, IEmbeddingModel model, int maxInputs)
    {
        if (request.Model is { } name && name != model.Name)
        {
            return (null, RequestError.ModelNotFound(name));
        }

        if (request.Input is not { } inputs)
        {
            return Refuse("'input' is required.", "input");
        }

        if (inputs.Count == 0)
        {
            return Refuse("'input' must not be an empty list.", "input");
        }

        if (inputs.Count > maxInputs)
        {
            return Refuse($"'input' has {inputs.Count} inputs; at most {maxInputs} are allowed in one request.", "input");
        }

        var base64 = request.EncodingFormat switch
        {
            null or "float" => false,
            "base64" => true,
            _ => (bool?)null,
        };
        if (base64 is null)
        {
            return Refuse($"'encoding_format' must be 'float' or 'base64', not '{request.EncodingFormat}'.", "encoding_format");
        }

        if (request.Dimensions is { } dimensions && (dimensions < 1 || dimensions > model.Dimensions))
        {
            return Refuse($"'dimensions' must be between 1 and {model.Dimensions}, this model's embedding length (was {dimensions}).", "dimensions");
        }

        int? truncateTo = request.TruncatePromptTokens switch
        {
            null => null,
            -1 => model.MaxLength,
            var k => k,
        };
        if (truncateTo is < 1)
        {
            return Refuse($"'truncate_prompt_tokens' must be -1 (the model's maximum) or at least 1 (was {request.TruncatePromptTokens}).", "truncate_prompt_tokens");
        }

        if (truncateTo > model.MaxLength)
        {
            return Refuse(
                $"'truncate_prompt_tokens' is {truncateTo}, more than this model's maximum context length of {model.MaxLength} tokens. Please select a smaller truncation size.",
                "truncate_prompt_tokens");
        }

        var ids = new List<int[]>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            var (input, error) = Read(inputs[i], Name(i, inputs.Count), model, truncateTo);
            if (input is null)
            {
                return (null, error);
            }

            ids.Add(input);
        }

        return (new EmbeddingWork(ids, request.Dimensions, base64.Value), null);
    }

    /// <summary>
    /// <paramref name="vector"/> cut to the requested dimensions. A normalized model's vector is renormalized, so it
    /// stays a unit vector (the matryoshka convention); other models' values are kept as they are.
    /// </summary>
    public float[] Shape(float[] vector, bool normalizes)
    {
        if (Dimensions is not { } length || length >= vector.Length)
        {
            return vector;
        }

        var shortened = vector[..length];
        if (normalizes)
        {
            var norm = Math.Sqrt(shortened.Sum(x => (double)x * x));
            if (norm > 0)
            {
                for (var i = 0; i < shortened.Length; i++)
                {
                    shortened[i] = (float)(shortened[i] / norm);
                }
            }
        }

        return shortened;
    }

    /// <summary>One input's ids: text tokenized with the model's special tokens, ids taken as given, then checked.</summary>
    private static (int[]? Ids, RequestError? Error) Read(OpenAi.PromptInput input, string name, IEmbeddingModel model, int? truncateTo)
    {
        if (input.Text is "" || input.TokenIds is { Count: 0 })
        {
            return (null, RequestError.BadRequest($"{Capitalized(name)} is empty: every input must have at least one character or token.", "input"));
        }

        int[] ids;
        if (input.TokenIds is { } given)
        {
            ids = [.. given];
            foreach (var id in ids)
            {
                if (id < 0 || id >= model.VocabSize)
                {
                    return (null, RequestError.BadRequest($"Token id {id} in {name} is out of range: the vocabulary has {model.VocabSize} tokens.", "input"));
                }
            }
        }
        else
        {
            ids = model.Tokenize(input.Text!);
        }

        if (truncateTo is { } limit)
        {
            return (model.Truncate(ids, limit), null);
        }

        return ids.Length > model.MaxLength
            ? (null, RequestError.BadRequest(
                $"This model's maximum context length is {model.MaxLength} tokens. However, you requested {ids.Length} tokens in {name} for embedding generation. " +
                "Please reduce the length of the input, or set truncate_prompt_tokens to truncate it.",
                "input", "context_length_exceeded"))
            : (ids, null);
    }

    private static string Name(int index, int count) => count == 1 ? "the input" : $"input[{index}]";

    private static string Capitalized(string name) => char.ToUpperInvariant(name[0]) + name[1..];

    private static (EmbeddingWork?, RequestError?) Refuse(string message, string param) => (null, RequestError.BadRequest(message, param));
}
