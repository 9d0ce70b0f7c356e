using System.Diagnostics;

namespace LlmPlatform.EngineBench;

/// <summary>
/// How many cores other processes kept busy while a benchmark ran: busy time of the whole machine (/proc/stat) minus
/// this process's CPU time, over wall time. On a shared 2-core machine that number says whether a run can be
/// trusted: libtorch's two threads meet at a barrier after every op, so one core taken by someone else stalls both.
/// </summary>
internal sealed class CpuContention
{
    private readonly long startTicks = Stopwatch.GetTimestamp();
    private readonly double startBusySeconds = MachineBusySeconds();
    private readonly TimeSpan startOwn = Process.GetCurrentProcess().TotalProcessorTime;

    public static CpuContention Start() => new();

    /// <summary>Average cores used by other processes since <see cref="Start"/> (NaN where /proc is absent).</summary>
    public double OtherCores()
    {
        var wall = Stopwatch.GetElapsedTime(startTicks).TotalSeconds;
        var own = (Process.GetCurrentProcess().TotalProcessorTime - startOwn).TotalSeconds;
        return Math.Max(0, (MachineBusySeconds() - startBusySeconds - own) / wall);
    }

    public string Describe() => $"other processes used {OtherCores():F2} of {Environment.ProcessorCount} cores on average, load average now {Machine.LoadAverage()}";

    // The first line of /proc/stat: jiffies (USER_HZ, 100 per second on Linux) per state, summed over all cores.
    private static double MachineBusySeconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return double.NaN;
        }

        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var idle = fields[3] + fields[4];
        return (fields.Take(8).Sum() - idle) / 100.0;
    }
}
