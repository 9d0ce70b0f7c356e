using System.Diagnostics;
using System.Runtime.InteropServices;
using LlmPlatform.Engine.Cpu;

namespace LlmPlatform.EngineBench;

/// <summary>
/// The decode attention kernel (PagedAttention) alone, as one decode worker runs it in a step: every (sequence, KV head)
/// of its share, layer after layer, over bfloat16 pools of the SmolLM-135M shape (3 KV heads of 64, 3 query heads each)
/// whose blocks lie in shuffled order. With 30 layers the pools outgrow the caches, as in a step, where the projections
/// stream megabytes of weights between two layers' attention; with one layer they stay cached, which leaves the
/// kernel's arithmetic.
/// </summary>
internal static unsafe class AttentionBench
{
    private const int KvHeads = 3, Group = 3, HeadDim = 64, BlockSize = 16;

    public static void Run(int sequences, int[] contexts, int layers, int rounds, int seed)
    {
        Console.WriteLine($"Decode attention (PagedAttention, bfloat16 pools), {sequences} sequences x {layers} layer(s) per pass; the fastest of {rounds} passes:");
        var table = new MarkdownTable("context", "ms per pass", "us per (sequence, KV head)", "KV bytes read per pass (MB)", "GB/s");
        foreach (var context in contexts)
        {
            var best = Measure(sequences, context, layers, rounds, new Random(seed));
            var items = sequences * KvHeads * layers;
            var bytes = 2.0 * items * context * HeadDim * sizeof(ushort);
            table.Row(context, best, best * 1e3 / items, bytes / 1e6, bytes / 1e6 / best);
        }

        table.Print();
    }

    private static double Measure(int sequences, int context, int layers, int rounds, Random random)
    {
        var blocksPerSequence = (context + BlockSize - 1) / BlockSize;
        var slots = sequences * blocksPerSequence * BlockSize;
        var elements = (long)slots * KvHeads * HeadDim;
        var pools = new nint[2 * layers];
        for (var i = 0; i < pools.Length; i++)
        {
            pools[i] = (nint)Pool(elements, random);
        }

        try
        {
            var order = Enumerable.Range(0, sequences * blocksPerSequence).OrderBy(_ => random.Next()).ToArray();
            var tables = Enumerable.Range(0, sequences)
                .Select(s => order.Skip(s * blocksPerSequence).Take(blocksPerSequence).Select(b => (long)b).ToArray()).ToArray();
            var queries = Enumerable.Range(0, sequences * KvHeads * Group * HeadDim).Select(_ => random.NextSingle() - 0.5f).ToArray();
            var output = new float[queries.Length];
            var scores = new float[Group * context];
            var best = double.MaxValue;
            fixed (float* q = queries, o = output, s = scores)
            {
                for (var round = 0; round < rounds; round++)
                {
                    var start = Stopwatch.GetTimestamp();
                    for (var layer = 0; layer < layers; layer++)
                    {
                        for (var sequence = 0; sequence < sequences; sequence++)
                        {
                            for (var kvHead = 0; kvHead < KvHeads; kvHead++)
                            {
                                var at = (sequence * KvHeads + kvHead) * Group * HeadDim;
                                PagedAttention.Attend<BFloat16Element>(q + at, Group, HeadDim, 0.125f, (void*)pools[2 * layer], (void*)pools[2 * layer + 1], KvHeads, kvHead,
                                    tables[sequence], BlockSize, context, null, null, s, o + at);
                            }
                        }
                    }

                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            }

            return best;
        }
        finally
        {
            foreach (var pool in pools)
            {
                NativeMemory.AlignedFree((void*)pool);
            }
        }
    }

    /// <summary>A pool of random bfloat16 values in [1, 2) (no NaN or infinity), cache-line aligned as libtorch's are.</summary>
    private static ushort* Pool(long elements, Random random)
    {
        var pool = (ushort*)NativeMemory.AlignedAlloc((nuint)(elements * sizeof(ushort)), 64);
        for (var i = 0L; i < elements; i++)
        {
            pool[i] = (ushort)(0x3F80 + random.Next(128));
        }

        return pool;
    }
}
