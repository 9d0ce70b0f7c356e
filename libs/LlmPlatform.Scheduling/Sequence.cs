using System.Runtime.InteropServices;
using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Scheduling;

/// <summary>
/// One request's state, owned by the engine thread. Its tokens are the prompt then the output; the first
/// <see cref="NumComputedTokens"/> of them have KV in the blocks of <see cref="BlockTable"/>, the rest are computed by
/// the steps that schedule them. The last output token is never computed until the next step feeds it.
/// </summary>
public sealed class Sequence
{
    private readonly List<int> _tokens;
    private readonly List<int> _blockTable = [];

    // Hashes of full blocks, memoized: tokens never change once appended, so they stay valid across preemption.
    private readonly List<BlockHash> _blockHashes = [];

    public Sequence(
        long id,
        IReadOnlyList<int> promptTokenIds,
        SamplingParams sampling,
        PrefixHashSeed hashSeed,
        int priority = 0,
        IReadOnlyList<ImagePlaceholder>? images = null)
    {
        ArgumentNullException.ThrowIfNull(promptTokenIds);
        ArgumentNullException.ThrowIfNull(sampling);
        ArgumentNullException.ThrowIfNull(hashSeed);
        if (promptTokenIds.Count == 0)
            throw new ArgumentException("A prompt has at least one token.", nameof(promptTokenIds));
        if (images?.Any(image => image.Offset + image.Length > promptTokenIds.Count) == true)
            throw new ArgumentException("An image's placeholders lie outside the prompt.", nameof(images));
        Id = id;
        _tokens = [.. promptTokenIds];
        NumPromptTokens = _tokens.Count;
        Sampling = sampling;
        HashSeed = hashSeed;
        Priority = priority;
        Images = images?.ToArray() ?? [];
    }

    public long Id { get; }

    public SamplingParams Sampling { get; }

    /// <summary>Model, cache salt and LoRA adapter: what a cached block must agree on besides the tokens.</summary>
    public PrefixHashSeed HashSeed { get; }

    /// <summary>Lower runs sooner; equal priorities run in arrival order.</summary>
    public int Priority { get; }

    public IReadOnlyList<ImagePlaceholder> Images { get; }

    /// <summary>The sibling whose prompt this one shares (n &gt; 1), or null. See <see cref="CreateSibling"/>.</summary>
    public Sequence? PromptLeader { get; private init; }

    /// <summary>Order of <see cref="Scheduler.Add"/>, the FCFS tie-break within a priority.</summary>
    public long ArrivalOrder { get; internal set; } = -1;

    public SequenceStatus Status { get; private set; } = SequenceStatus.Waiting;

    public FinishReason? FinishReason { get; private set; }

    public bool IsFinished => Status == SequenceStatus.Finished;

    public int NumPromptTokens { get; }

    public int NumTokens => _tokens.Count;

    public int NumOutputTokens => _tokens.Count - NumPromptTokens;

    /// <summary>Prompt then output.</summary>
    public IReadOnlyList<int> TokenIds => _tokens;

    public IEnumerable<int> OutputTokenIds => _tokens.Skip(NumPromptTokens);

    public int LastTokenId => _tokens[^1];

    public int NumComputedTokens { get; internal set; }

    /// <summary>
    /// Prompt tokens served from the prefix cache when first admitted (usage.prompt_tokens_details.cached_tokens);
    /// a recompute after preemption does not change it, as in vLLM.
    /// </summary>
    public int NumCachedTokens { get; private set; }

    /// <summary>Block ids holding this sequence's KV, in token order: token p lives in block BlockTable[p / B].</summary>
    public IReadOnlyList<int> BlockTable => _blockTable;

    internal List<int> MutableBlockTable => _blockTable;

    /// <summary>Blocks of <see cref="BlockTable"/> already offered to the prefix cache.</summary>
    internal int NumBlocksOfferedToCache { get; set; }

    /// <summary>Tokens [start, start + count); valid until the next token is appended.</summary>
    public ReadOnlySpan<int> Tokens(int start, int count) => CollectionsMarshal.AsSpan(_tokens).Slice(start, count);

    /// <summary>
    /// Another completion of the same prompt (n &gt; 1). With prefix caching on, the scheduler holds the sibling back
    /// until this sequence has computed its prompt, so the sibling then takes the prompt's cached blocks (shared,
    /// reference counted) instead of computing them again.
    /// </summary>
    public Sequence CreateSibling(long id) =>
        new(id, _tokens.GetRange(0, NumPromptTokens), Sampling, HashSeed, Priority, Images) { PromptLeader = PromptLeader ?? this };

    internal BlockHash BlockHash(int index, int blockSize)
    {
        while (_blockHashes.Count <= index)
        {
            var i = _blockHashes.Count;
            var parent = i == 0 ? HashSeed.Root : _blockHashes[i - 1];
            var extra = Images.Count == 0 ? [] : PrefixBlockHasher.BlockExtra(Images, i, blockSize);
            _blockHashes.Add(PrefixBlockHasher.Hash(parent, Tokens(i * blockSize, blockSize), extra));
        }
        return _blockHashes[index];
    }

    internal void AppendToken(int tokenId) => _tokens.Add(tokenId);

    internal void Admit(int numCachedTokens)
    {
        if (Status == SequenceStatus.Waiting)
            NumCachedTokens = numCachedTokens;
        NumComputedTokens = numCachedTokens;
        Status = SequenceStatus.Running;
    }

    internal void Preempt()
    {
        NumComputedTokens = 0;
        Status = SequenceStatus.Preempted;
    }

    internal void Finish(FinishReason reason)
    {
        Status = SequenceStatus.Finished;
        FinishReason = reason;
    }
}
