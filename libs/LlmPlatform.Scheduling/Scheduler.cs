namespace LlmPlatform.Scheduling;

/// <summary>
/// Continuous batching with vLLM V1's rules: each step, running sequences first (decodes, then unfinished prefill
/// chunks), then waiting ones in (priority, arrival) order while the token budget, max_num_seqs and free blocks allow.
/// A long prompt is computed in chunks across steps. When a running sequence needs a block and none is free, the
/// lowest-priority, latest-arrived running sequence is preempted: its blocks are freed and it waits again, keeping its
/// output, to recompute prompt and output when readmitted (its freed blocks often still cached).
/// </summary>
public sealed class Scheduler
{
    private readonly SchedulerOptions _options;
    private readonly StopChecker _stopChecker;
    private readonly SortedSet<Sequence> _waiting = new(Comparer<Sequence>.Create(CompareOrder));
    private readonly List<Sequence> _running = [];
    private readonly Dictionary<long, Sequence> _unfinished = [];
    private long _nextArrival;

    public Scheduler(SchedulerOptions options, IEnumerable<int> eosTokenIds)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _stopChecker = new StopChecker(eosTokenIds, options.MaxModelLen);
        BlockManager = new BlockManager(options.NumBlocks, options.BlockSize, options.EnablePrefixCaching);
    }

    public BlockManager BlockManager { get; }

    public int NumWaiting => _waiting.Count;

    public int NumRunning => _running.Count;

    public IReadOnlyList<Sequence> Running => _running;

    public bool HasUnfinished => _unfinished.Count > 0;

    /// <summary>Preemptions since start (vllm:num_preemptions).</summary>
    public long NumPreemptions { get; private set; }

    /// <summary>Queues a new sequence; it joins a batch at the next <see cref="Schedule"/> that has room.</summary>
    public void Add(Sequence sequence)
    {
        ArgumentNullException.ThrowIfNull(sequence);
        if (sequence.Status != SequenceStatus.Waiting || sequence.ArrivalOrder >= 0)
            throw new ArgumentException($"Sequence {sequence.Id} was added before.", nameof(sequence));
        if (sequence.NumTokens > _options.MaxModelLen)
            throw new ArgumentException(
                $"The prompt ({sequence.NumTokens} tokens) is longer than the maximum model length of {_options.MaxModelLen}.",
                nameof(sequence));
        // A sibling waits for its leader's prompt, which only a scheduled leader computes.
        if (sequence.PromptLeader is { ArrivalOrder: < 0 })
            throw new ArgumentException($"Sequence {sequence.Id}'s prompt leader was never added.", nameof(sequence));
        if (!_unfinished.TryAdd(sequence.Id, sequence))
            throw new ArgumentException($"A sequence with id {sequence.Id} is already queued or running.", nameof(sequence));
        sequence.ArrivalOrder = _nextArrival++;
        _waiting.Add(sequence);
    }

    public ScheduledBatch Schedule()
    {
        var step = new Step(_options.MaxNumBatchedTokens);
        var running = _running.Where(IsDecode).Concat(_running.Where(s => !IsDecode(s))).ToList();
        foreach (var sequence in running)
        {
            if (step.Budget == 0)
                break;
            // Preempted earlier in this step to make room for another.
            if (sequence.Status != SequenceStatus.Running)
                continue;
            var numNewTokens = Math.Min(sequence.NumTokens - sequence.NumComputedTokens, step.Budget);
            if (AllocateOrPreempt(sequence, numNewTokens, step))
                step.Add(new ScheduledSequence(sequence, sequence.NumComputedTokens, numNewTokens));
        }
        // Admitting while preempting would only hand the freed blocks to a newcomer and preempt again.
        if (step.Preempted.Count == 0)
            Admit(step);
        return new ScheduledBatch(step.Scheduled, step.Preempted);
    }

    /// <summary>
    /// Takes the step's results: advances each scheduled sequence's computed tokens, registers its newly full blocks
    /// in the prefix cache, and appends the sampled tokens (one per <see cref="ScheduledSequence.SamplesToken"/>
    /// entry, in batch order). Returns the sequences that finished; their blocks are already free.
    /// </summary>
    public IReadOnlyList<Sequence> Postprocess(ScheduledBatch batch, ReadOnlySpan<int> sampledTokenIds)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (sampledTokenIds.Length != batch.NumSampled)
            throw new ArgumentException(
                $"The batch samples {batch.NumSampled} tokens, got {sampledTokenIds.Length}.", nameof(sampledTokenIds));
        var finished = new List<Sequence>();
        var next = 0;
        foreach (var item in batch.Sequences)
        {
            var sequence = item.Sequence;
            var token = item.SamplesToken ? sampledTokenIds[next++] : 0;
            // Aborted or stopped by the engine after the batch was formed; its blocks are gone.
            if (sequence.IsFinished)
                continue;
            if (sequence.NumComputedTokens != item.StartPosition)
                throw new InvalidOperationException($"Sequence {sequence.Id} was postprocessed twice for one step.");
            sequence.NumComputedTokens += item.NumNewTokens;
            BlockManager.CacheFullBlocks(sequence);
            if (!item.SamplesToken)
                continue;
            sequence.AppendToken(token);
            if (_stopChecker.Check(sequence) is { } reason)
            {
                Finish(sequence, reason);
                finished.Add(sequence);
            }
        }
        return finished;
    }

    /// <summary>Ends a request at once, freeing its blocks; false when it is unknown or already finished.</summary>
    public bool Abort(long id) => Finish(id, FinishReason.Abort);

    /// <summary>Ends a request with the given reason (the engine's stop strings), freeing its blocks.</summary>
    public bool Finish(long id, FinishReason reason)
    {
        if (!_unfinished.TryGetValue(id, out var sequence))
            return false;
        Finish(sequence, reason);
        return true;
    }

    private void Finish(Sequence sequence, FinishReason reason)
    {
        if (!_waiting.Remove(sequence))
            _running.Remove(sequence);
        BlockManager.Free(sequence);
        sequence.Finish(reason);
        _unfinished.Remove(sequence.Id);
    }

    private void Admit(Step step)
    {
        var heldBack = new List<Sequence>();
        while (_waiting.Count > 0 && step.Budget > 0 && _running.Count < _options.MaxNumSeqs)
        {
            var sequence = _waiting.Min!;
            if (AwaitsPromptLeader(sequence))
            {
                _waiting.Remove(sequence);
                heldBack.Add(sequence);
                continue;
            }
            var prefix = BlockManager.FindCachedPrefix(sequence);
            var numNewTokens = Math.Min(sequence.NumTokens - prefix.NumTokens, step.Budget);
            // Strict FCFS: the head waits for blocks rather than letting later, smaller requests overtake it.
            if (!BlockManager.TryAllocateSlots(sequence, numNewTokens, prefix))
                break;
            _waiting.Remove(sequence);
            sequence.Admit(prefix.NumTokens);
            _running.Add(sequence);
            step.Add(new ScheduledSequence(sequence, prefix.NumTokens, numNewTokens));
        }
        foreach (var sequence in heldBack)
            _waiting.Add(sequence);
    }

    private bool AllocateOrPreempt(Sequence sequence, int numNewTokens, Step step)
    {
        while (!BlockManager.TryAllocateSlots(sequence, numNewTokens))
        {
            var victim = _running.MaxBy(s => (s.Priority, s.ArrivalOrder))!;
            _running.Remove(victim);
            BlockManager.Free(victim);
            victim.Preempt();
            _waiting.Add(victim);
            step.Unschedule(victim);
            step.Preempted.Add(victim);
            NumPreemptions++;
            if (victim == sequence)
                return false;
        }
        return true;
    }

    // A sibling (n > 1) waits until its leader's prompt is computed and cached, then takes those blocks.
    private bool AwaitsPromptLeader(Sequence sequence) =>
        _options.EnablePrefixCaching
        && sequence.PromptLeader is { IsFinished: false } leader
        && leader.NumComputedTokens < leader.NumPromptTokens;

    private static bool IsDecode(Sequence sequence) => sequence.NumTokens - sequence.NumComputedTokens == 1;

    private static int CompareOrder(Sequence? a, Sequence? b)
    {
        var byPriority = a!.Priority.CompareTo(b!.Priority);
        return byPriority != 0 ? byPriority : a.ArrivalOrder.CompareTo(b.ArrivalOrder);
    }

    /// <summary>The batch being formed and the budget it leaves.</summary>
    private sealed class Step(int budget)
    {
        public int Budget { get; private set; } = budget;

        public List<ScheduledSequence> Scheduled { get; } = [];

        public List<Sequence> Preempted { get; } = [];

        public void Add(ScheduledSequence item)
        {
            Scheduled.Add(item);
            Budget -= item.NumNewTokens;
        }

        public void Unschedule(Sequence sequence)
        {
            var index = Scheduled.FindIndex(item => item.Sequence == sequence);
            if (index < 0)
                return;
            Budget += Scheduled[index].NumNewTokens;
            Scheduled.RemoveAt(index);
        }
    }
}
