namespace LlmPlatform.Engine.Cpu;

/// <summary>
/// A fixed team of threads that run one body together, OpenMP-style: the caller is worker 0, the others are dedicated
/// threads that stay alive between runs, and <see cref="Barrier"/> separates the phases of the body. A decode step
/// crosses 150-240 phase boundaries (five to eight per layer), so the barrier spins instead of blocking in the kernel
/// (System.Threading.Barrier parks on an event and costs tens of microseconds per phase); between runs the workers
/// block, so they take no CPU from libtorch's own threads while the engine is not in a managed step.
/// </summary>
internal sealed class WorkerTeam : IDisposable
{
    private readonly Thread[] threads;
    // One start signal per dedicated worker (worker w waits on starts[w - 1]): with one shared count, a worker that finished fast could take a second
    // worker's start and run the body twice while that worker's share went undone (teams of three and more).
    private readonly SemaphoreSlim[] starts;
    private readonly CountdownEvent finished;
    private Action<int>? body;
    private Exception? fault;
    private volatile bool faulted;
    private volatile bool disposed;
    private int arrived;
    private volatile int generation;

    public WorkerTeam(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        finished = new CountdownEvent(size - 1);
        starts = Enumerable.Range(1, size - 1).Select(_ => new SemaphoreSlim(0)).ToArray();
        threads = Enumerable.Range(1, size - 1).Select(worker => new Thread(() => Work(worker))
        {
            IsBackground = true,
            Name = $"llm-engine-cpu-{worker}",
        }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
    }

    public int Size { get; }

    /// <summary>Runs <paramref name="work"/>(worker) on every worker at once and returns when all have finished.</summary>
    public void Run(Action<int> work)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        body = work;
        fault = null;
        faulted = false;
        arrived = 0;
        finished.Reset();
        Start();
        Execute(0);
        finished.Wait();
        body = null;
        if (fault is { } error)
        {
            throw new InvalidOperationException("A CPU decode worker failed.", error);
        }
    }

    /// <summary>Worker <paramref name="worker"/>'s contiguous share of <paramref name="count"/> items, as even as can be.</summary>
    public (int First, int End) Share(int worker, int count) =>
        ((int)((long)count * worker / Size), (int)((long)count * (worker + 1) / Size));

    /// <summary>
    /// Worker <paramref name="worker"/>'s contiguous share of <paramref name="count"/> items, cut at multiples of
    /// <paramref name="alignment"/> (a GEMM's weight rows, which its kernels block by); a share may be empty.
    /// </summary>
    public (int First, int End) AlignedShare(int worker, int count, int alignment)
    {
        int Cut(int w) => w == Size ? count : (int)Math.Min(count, ((long)count * w / Size + alignment / 2) / alignment * alignment);
        return (Cut(worker), Cut(worker + 1));
    }

    /// <summary>
    /// Contiguous shares of items of the given <paramref name="weights"/>, as even in weight as can be: worker w takes
    /// items [bounds[w], bounds[w + 1]), each item going to the worker whose part of the total weight holds its middle.
    /// </summary>
    public int[] WeightedShares(IReadOnlyList<long> weights)
    {
        var total = weights.Sum();
        var bounds = new int[Size + 1];
        var (worker, before) = (0, 0L);
        for (var i = 0; i < weights.Count; i++)
        {
            // Item i's middle, 2·before + weight, lies in worker w's part when it is below 2·total·(w + 1) / Size.
            var middle = (2 * before + weights[i]) * Size;
            while (worker < Size - 1 && middle >= 2 * total * (worker + 1))
            {
                bounds[++worker] = i;
            }

            before += weights[i];
        }

        while (worker < Size)
        {
            bounds[++worker] = weights.Count;
        }

        return bounds;
    }

    /// <summary>Waits until every worker of the current run has reached this point.</summary>
    public void Barrier()
    {
        var current = generation;
        if (Interlocked.Increment(ref arrived) == Size)
        {
            arrived = 0;
            generation = current + 1;
            return;
        }

        var spinner = new SpinWait();
        while (generation == current)
        {
            if (faulted)
            {
                throw new OperationCanceledException("Another worker of the team failed.");
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Start()
    {
        foreach (var start in starts)
        {
            start.Release();
        }
    }

    private void Work(int worker)
    {
        while (true)
        {
            starts[worker - 1].Wait();
            if (disposed)
            {
                return;
            }

            Execute(worker);
            finished.Signal();
        }
    }

    private void Execute(int worker)
    {
        try
        {
            body!(worker);
        }
        catch (Exception e)
        {
            // The first failure wins: the others are the OperationCanceledExceptions it causes at the barrier.
            Interlocked.CompareExchange(ref fault, e, null);
            faulted = true;
        }
    }

    public void Dispose()
    {
        if (disposed)
        {
            return;
        }

        disposed = true;
        Start();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        foreach (var start in starts)
        {
            start.Dispose();
        }

        finished.Dispose();
    }
}
