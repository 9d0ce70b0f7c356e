namespace LlmPlatform.Scheduling;

/// <summary>
/// The stop conditions that need no detokenization, checked after each sampled token. Stop strings need text and
/// belong to the engine, which ends such a sequence with <see cref="Scheduler.Finish"/>.
/// </summary>
public sealed class StopChecker
{
    private readonly HashSet<int> _eosTokenIds;
    private readonly int _maxModelLen;

    /// <param name="eosTokenIds">The model's eos ids (tokenizer and generation_config.json; it may list several).</param>
    /// <param name="maxModelLen">The context length.</param>
    public StopChecker(IEnumerable<int> eosTokenIds, int maxModelLen)
    {
        ArgumentNullException.ThrowIfNull(eosTokenIds);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxModelLen, 1);
        _eosTokenIds = [.. eosTokenIds];
        _maxModelLen = maxModelLen;
    }

    /// <summary>Why the sequence is done after its last token, or null to go on.</summary>
    public FinishReason? Check(Sequence sequence)
    {
        var sampling = sequence.Sampling;
        if (sequence.NumOutputTokens >= sampling.MinTokens)
        {
            var last = sequence.LastTokenId;
            if (!sampling.IgnoreEos && _eosTokenIds.Contains(last))
                return FinishReason.Stop;
            if (sampling.StopTokenIds.Contains(last))
                return FinishReason.Stop;
        }
        // The context length binds even below min_tokens: there is no room for another token's KV.
        if (sequence.NumOutputTokens >= sampling.MaxTokens || sequence.NumTokens >= _maxModelLen)
            return FinishReason.Length;
        return null;
    }
}
