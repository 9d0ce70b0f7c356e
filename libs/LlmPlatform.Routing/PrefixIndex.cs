using LlmPlatform.PrefixHashing;

namespace LlmPlatform.Routing;

/// <summary>
/// Which workers hold which prefix blocks: block hash -> workers, fed by the workers' KV events. A worker's entries
/// go the moment it is removed (dead or gone), so a dead worker never attracts traffic. Thread-safe: events arrive
/// on the subscription's thread while requests read on theirs.
/// </summary>
public sealed class PrefixIndex
{
    private readonly Dictionary<BlockHash, HashSet<string>> holders = [];
    private readonly Dictionary<string, HashSet<BlockHash>> blocksOf = [];
    private readonly ReaderWriterLockSlim gate = new();

    /// <summary>Distinct block hashes held by at least one worker.</summary>
    public int Count
    {
        get
        {
            gate.EnterReadLock();
            try
            {
                return holders.Count;
            }
            finally
            {
                gate.ExitReadLock();
            }
        }
    }

    /// <summary>How many blocks <paramref name="worker"/> holds, as far as its events told.</summary>
    public int BlocksOf(string worker)
    {
        gate.EnterReadLock();
        try
        {
            return blocksOf.TryGetValue(worker, out var own) ? own.Count : 0;
        }
        finally
        {
            gate.ExitReadLock();
        }
    }

    public void Stored(string worker, IEnumerable<BlockHash> hashes) => Write(() =>
    {
        var own = Own(worker);
        foreach (var hash in hashes)
        {
            if (own.Add(hash))
            {
                (holders.TryGetValue(hash, out var set) ? set : holders[hash] = []).Add(worker);
            }
        }
    });

    public void Removed(string worker, IEnumerable<BlockHash> hashes) => Write(() =>
    {
        if (!blocksOf.TryGetValue(worker, out var own))
        {
            return;
        }

        foreach (var hash in hashes)
        {
            if (own.Remove(hash))
            {
                Drop(hash, worker);
            }
        }
    });

    /// <summary>Forgets everything <paramref name="worker"/> held (its cache was cleared, or it is gone).</summary>
    public void Cleared(string worker) => Write(() =>
    {
        if (blocksOf.Remove(worker, out var own))
        {
            foreach (var hash in own)
            {
                Drop(hash, worker);
            }
        }
    });

    /// <summary>Replaces what <paramref name="worker"/> holds with a full snapshot (on its start or a reconnect).</summary>
    public void Replace(string worker, IEnumerable<BlockHash> hashes)
    {
        Cleared(worker);
        Stored(worker, hashes);
    }

    /// <summary>
    /// For each worker that holds the first block, how many of <paramref name="prompt"/>'s leading blocks it holds
    /// without a gap: only a prefix is reusable, so a later block after a missing one counts for nothing.
    /// </summary>
    public Dictionary<string, int> MatchedPrefixBlocks(IReadOnlyList<BlockHash> prompt)
    {
        var matched = new Dictionary<string, int>();
        gate.EnterReadLock();
        try
        {
            for (var i = 0; i < prompt.Count; i++)
            {
                if (!holders.TryGetValue(prompt[i], out var workers))
                {
                    break;
                }

                var extended = false;
                foreach (var worker in workers)
                {
                    if (matched.GetValueOrDefault(worker) == i)
                    {
                        matched[worker] = i + 1;
                        extended = true;
                    }
                }

                if (!extended)
                {
                    break;
                }
            }
        }
        finally
        {
            gate.ExitReadLock();
        }

        return matched;
    }

    /// <summary>
    /// Prompt tokens each worker holds in its prefix cache, for workers that hash blocks of different sizes: the prompt
    /// is hashed once per block size in use (one, in a uniform fleet), and a worker's match counts in its own size only.
    /// </summary>
    public Dictionary<string, int> CachedTokens(PrefixHashSeed seed, IReadOnlyList<int> prompt, IEnumerable<(string Worker, int BlockSize)> workers)
    {
        var cached = new Dictionary<string, int>();
        int[] tokens = [.. prompt];
        foreach (var group in workers.Where(w => w.BlockSize > 0).GroupBy(w => w.BlockSize, w => w.Worker))
        {
            var members = group.ToHashSet();
            foreach (var (worker, blocks) in MatchedPrefixBlocks(PrefixBlockHasher.HashPrompt(seed, tokens, group.Key)))
            {
                if (members.Contains(worker))
                {
                    cached[worker] = blocks * group.Key;
                }
            }
        }

        return cached;
    }

    private HashSet<BlockHash> Own(string worker) => blocksOf.TryGetValue(worker, out var own) ? own : blocksOf[worker] = [];

    private void Drop(BlockHash hash, string worker)
    {
        if (holders.TryGetValue(hash, out var set) && set.Remove(worker) && set.Count == 0)
        {
            holders.Remove(hash);
        }
    }

    private void Write(Action change)
    {
        gate.EnterWriteLock();
        try
        {
            change();
        }
        finally
        {
            gate.ExitWriteLock();
        }
    }
}
