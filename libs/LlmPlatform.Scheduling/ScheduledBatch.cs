namespace LlmPlatform.Scheduling;

/// <summary>
/// One step's work: decodes first, then prefill chunks, each sequence with the positions to compute. The engine runs
/// the forward pass over them and hands the sampled tokens to <see cref="Scheduler.Postprocess"/>.
/// </summary>
public sealed class ScheduledBatch
{
    internal ScheduledBatch(IReadOnlyList<ScheduledSequence> sequences, IReadOnlyList<Sequence> preempted)
    {
        Sequences = sequences;
        Preempted = preempted;
        NumBatchedTokens = sequences.Sum(s => s.NumNewTokens);
        NumSampled = sequences.Count(s => s.SamplesToken);
    }

    public IReadOnlyList<ScheduledSequence> Sequences { get; }

    /// <summary>Sequences preempted while this batch was formed (for the preemption metric).</summary>
    public IReadOnlyList<Sequence> Preempted { get; }

    public int NumBatchedTokens { get; }

    /// <summary>Sequences that sample a token this step: the length of the span Postprocess takes.</summary>
    public int NumSampled { get; }

    public bool IsEmpty => Sequences.Count == 0;
}

/// <summary>
/// A sequence's share of a step: tokens [StartPosition, StartPosition + NumNewTokens), whose KV goes into the slots
/// its block table gives, attending to every earlier position.
/// </summary>
public sealed class ScheduledSequence
{
    internal ScheduledSequence(Sequence sequence, int startPosition, int numNewTokens)
    {
        Sequence = sequence;
        StartPosition = startPosition;
        NumNewTokens = numNewTokens;
        SamplesToken = startPosition + numNewTokens == sequence.NumTokens;
    }

    public Sequence Sequence { get; }

    /// <summary>The sequence's computed tokens when scheduled: the position of the first new token.</summary>
    public int StartPosition { get; }

    public int NumNewTokens { get; }

    /// <summary>The chunk reaches the sequence's last token, so its logits give the next token; false for a prefill
    /// chunk that stops short.</summary>
    public bool SamplesToken { get; }

    public ReadOnlySpan<int> NewTokenIds => Sequence.Tokens(StartPosition, NumNewTokens);
}
