namespace LlmPlatform.Bench.Workloads;

/// <summary>
/// Builds a seeded workload: the same seed gives the same conversations (the same token ids, lengths, adapters), so
/// configurations compared in one invocation, or runs on two servers, see identical requests.
/// </summary>
public static class WorkloadBuilder
{
    public static List<Conversation> Build(WorkloadOptions options, TokenPool pool, int count, int seed)
    {
        var random = new Random(seed);
        var conversations = options.Kind switch
        {
            "random" => Enumerable.Range(0, count).Select(i => Single(i, "random",
                pool.Take(random, Spread(random, options.InputLength, options.RangeRatio)), Spread(random, options.OutputLength, options.RangeRatio))).ToList(),
            "prefix" => Prefixed(options, pool, count, random),
            "sessions" => Sessions(options, pool, random),
            _ => throw new ArgumentException($"Unknown workload '{options.Kind}': use random, prefix or sessions."),
        };
        return options.LoraMix.Count == 0 ? conversations : AssignAdapters(conversations, options.LoraMix, random);
    }

    /// <summary>A length drawn uniformly from [length × (1 - ratio), length × (1 + ratio)], at least 1.</summary>
    public static int Spread(Random random, int length, double ratio)
    {
        var low = Math.Max(1, (int)Math.Floor(length * (1 - ratio)));
        var high = Math.Max(low, (int)Math.Ceiling(length * (1 + ratio)));
        return random.Next(low, high + 1);
    }

    private static Conversation Single(int index, string tag, int[] prompt, int output) => new(index, tag, null, null, [new Turn(prompt, output)]);

    /// <summary>Request i starts with prefix i mod P, then a suffix of its own: the prefix cache can serve P prefixes.</summary>
    private static List<Conversation> Prefixed(WorkloadOptions options, TokenPool pool, int count, Random random)
    {
        var prefixes = Enumerable.Range(0, options.NumPrefixes).Select(_ => pool.Take(random, options.PrefixLength)).ToArray();
        return Enumerable.Range(0, count)
            .Select(i => Single(i, $"prefix-{i % prefixes.Length}", [.. prefixes[i % prefixes.Length], .. pool.Take(random, options.SuffixLength)], options.OutputLength))
            .ToList();
    }

    /// <summary>
    /// T tenants, each with a long system prompt of its own, each running S conversations of K turns: every turn
    /// resends the tenant's system prompt and the conversation so far, which is what a prefix cache (and a router
    /// that knows where it lives) can save.
    /// </summary>
    private static List<Conversation> Sessions(WorkloadOptions options, TokenPool pool, Random random)
    {
        var conversations = new List<Conversation>();
        for (var tenant = 0; tenant < options.Tenants; tenant++)
        {
            var system = pool.Take(random, options.SystemLength);
            for (var session = 0; session < options.SessionsPerTenant; session++)
            {
                var turns = Enumerable.Range(0, options.Turns).Select(_ => new Turn(pool.Take(random, options.UserLength), options.OutputLength)).ToList();
                conversations.Add(new Conversation(conversations.Count, $"tenant-{tenant}", null, system, turns));
            }
        }

        // Interleave tenants in arrival order, as independent users would arrive.
        return conversations.OrderBy(_ => random.Next()).Select((c, i) => c with { Index = i }).ToList();
    }

    private static List<Conversation> AssignAdapters(List<Conversation> conversations, IReadOnlyDictionary<string, double> mix, Random random)
    {
        if (mix.Values.Any(share => share < 0) || mix.Values.Sum() > 1 + 1e-9)
        {
            throw new ArgumentException("LoRA shares must be >= 0 and add up to at most 1.");
        }

        return conversations.Select(conversation =>
        {
            var draw = random.NextDouble();
            foreach (var (adapter, share) in mix.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (draw < share)
                {
                    return conversation with { Model = adapter, Tag = $"{conversation.Tag}/{adapter}" };
                }

                draw -= share;
            }

            return conversation;
        }).ToList();
    }
}
