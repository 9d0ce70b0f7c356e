using System.Collections.Concurrent;
using System.Diagnostics;

namespace LlmPlatform.Torch.Cpu;

/// <summary>Work a <see cref="GemmTeam"/> splits: items 0..count-1, independent of each other, any thread, any order.</summary>
internal interface IGemmWork
{
    void Execute(int item);
}

/// <summary>
/// A process-wide team of threads for <see cref="PackedLinear"/>: the caller plus <c>size - 1</c> dedicated threads that
/// stay alive between calls, so a GEMM of a tenth of a millisecond pays no thread start. Items are handed out through
/// an atomic counter, so a worker the OS schedules late takes fewer of them instead of holding everyone up, and the
/// caller returns as soon as every item is done, whether or not every worker woke. Between calls a worker spins for
/// 50 us, so calls back to back find it awake (waking a blocked thread costs tens of microseconds on this VM), and then
/// blocks, so it takes no CPU from libtorch's own threads between an encoder's linears. The reverse does not hold:
/// libgomp's threads spin for milliseconds after each libtorch op unless GOMP_SPINCOUNT / OMP_WAIT_POLICY say
/// otherwise, and then hold the core this team's worker needs. A call that finds the team busy (another thread is in
/// a GEMM) runs on its caller alone rather than wait.
/// </summary>
internal sealed class GemmTeam
{
    private static readonly ConcurrentDictionary<int, GemmTeam> Teams = new();

    /// <summary>How long an idle worker polls for the next call before it blocks.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000;

    private readonly Lock gate = new();
    private readonly SemaphoreSlim wake = new(0);
    private Job? current;
    private int generation;
    private int sleeping;

    private GemmTeam(int size)
    {
        Size = size;
        for (var worker = 1; worker < size; worker++)
        {
            new Thread(Work) { IsBackground = true, Name = $"gemm-{worker}" }.Start();
        }
    }

    /// <summary>The team of <paramref name="size"/> threads (caller included), made on first use and kept for the process.</summary>
    public static GemmTeam Shared(int size) => Teams.GetOrAdd(Math.Max(1, size), s => new GemmTeam(s));

    public int Size { get; }

    /// <summary>Runs every item of <paramref name="work"/> and returns when all are done; the caller works too.</summary>
    public void Run(IGemmWork work, int count)
    {
        if (Size == 1 || count <= 1 || !gate.TryEnter())
        {
            for (var item = 0; item < count; item++)
            {
                work.Execute(item);
            }

            return;
        }

        try
        {
            var job = new Job(work, count);
            Volatile.Write(ref current, job);
            Interlocked.Increment(ref generation);
            var sleepers = Math.Min(Size - 1, count - 1);
            if (Volatile.Read(ref sleeping) > 0)
            {
                wake.Release(Math.Min(sleepers, Volatile.Read(ref sleeping)));
            }

            job.Help();
            var spinner = new SpinWait();
            while (Volatile.Read(ref job.Done) < count)
            {
                spinner.SpinOnce(sleep1Threshold: -1);
            }

            Volatile.Write(ref current, null);
            if (job.Fault is { } fault)
            {
                throw new InvalidOperationException("A GEMM worker failed.", fault);
            }
        }
        finally
        {
            gate.Exit();
        }
    }

    private void Work()
    {
        var seen = 0;
        while (true)
        {
            var start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref generation) == seen)
            {
                if (Stopwatch.GetTimestamp() - start > SpinTicks)
                {
                    Interlocked.Increment(ref sleeping);
                    // Re-check after announcing the sleep: a Run that read sleeping == 0 just before has bumped generation.
                    if (Volatile.Read(ref generation) == seen)
                    {
                        wake.Wait();
                    }

                    Interlocked.Decrement(ref sleeping);
                    start = Stopwatch.GetTimestamp();
                }
                else
                {
                    Thread.SpinWait(20);
                }
            }

            seen = Volatile.Read(ref generation);
            Volatile.Read(ref current)?.Help();
        }
    }

    private sealed class Job(IGemmWork work, int count)
    {
        public int Done;
        public Exception? Fault;
        private int next;

        public void Help()
        {
            int item;
            while ((item = Interlocked.Increment(ref next) - 1) < count)
            {
                try
                {
                    work.Execute(item);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref Fault, e, null);
                }

                Interlocked.Increment(ref Done);
            }
        }
    }
}
