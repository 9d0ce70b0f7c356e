namespace LlmPlatform.Models.Demo;

/// <summary>Shows model writing as one line that updates in place (or a line per step when output is redirected).</summary>
public sealed class ConsoleModelProgress(TextWriter output, bool interactive) : IProgress<ModelWriteProgress>
{
    private string lastStep = "";
    private int lastPercent = -1;

    public static ConsoleModelProgress ForConsole() => new(Console.Out, !Console.IsOutputRedirected);

    public void Report(ModelWriteProgress value)
    {
        var percent = (int)(value.Fraction * 100);
        if (value.Step == lastStep && (percent == lastPercent || (!interactive && percent % 25 != 0)))
        {
            return;
        }

        if (value.Step != lastStep && interactive && lastStep.Length > 0)
        {
            output.WriteLine();
        }

        lastStep = value.Step;
        lastPercent = percent;
        var text = value.WeightBytesTotal == 0
            ? $"Preparing model: {value.Step}"
            : $"Preparing model: {value.Step} {percent,3}% ({value.WeightBytesWritten >> 20} of {value.WeightBytesTotal >> 20} MiB)";
        if (interactive)
        {
            output.Write('\r' + text);
            if (value.WeightBytesTotal > 0 && value.WeightBytesWritten == value.WeightBytesTotal)
            {
                output.WriteLine();
            }
        }
        else
        {
            output.WriteLine(text);
        }
    }
}
