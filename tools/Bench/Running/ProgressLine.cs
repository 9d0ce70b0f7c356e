namespace LlmPlatform.Bench.Running;

/// <summary>
/// The live progress bar: redrawn in place on a terminal at most 10 times a second; when the output is a file or a
/// pipe, a line every 10% instead, so logs stay readable.
/// </summary>
public sealed class ProgressLine(TextWriter console) : IProgress<(int Done, int Total)>
{
    private const int Width = 40;
    private readonly bool redraw = ReferenceEquals(console, Console.Out) && !Console.IsOutputRedirected;
    private readonly Lock gate = new();
    private long lastDraw;
    private int lastDecile = -1;

    public void Report((int Done, int Total) value)
    {
        var (done, total) = value;
        lock (gate)
        {
            var filled = total == 0 ? Width : done * Width / total;
            var line = $"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} requests";
            if (redraw)
            {
                var now = Environment.TickCount64;
                if (now - lastDraw >= 100 || done == total)
                {
                    lastDraw = now;
                    console.Write($"\r{line}");
                }
            }
            else if (total > 0 && done * 10 / total is var decile && decile > lastDecile)
            {
                lastDecile = decile;
                console.WriteLine(line);
            }
        }
    }
}
