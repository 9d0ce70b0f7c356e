namespace LlmPlatform.Engine.Output;

/// <summary>
/// Finds stop strings in streamed text, even when one arrives split across tokens. Text that could still become the
/// start of a stop string is held back rather than emitted, so a stop string never reaches the client (unless
/// include_stop_str_in_output), and nothing after it does.
/// </summary>
public sealed class StopStringMatcher(IReadOnlyList<string> stops, bool includeStopInOutput)
{
    private readonly int longest = stops.Count == 0 ? 0 : stops.Max(s => s.Length);
    private string held = "";

    public bool Stopped { get; private set; }

    /// <summary>Adds newly decoded text; returns what may be emitted now.</summary>
    public string Append(string text)
    {
        if (Stopped || text.Length == 0 || stops.Count == 0)
        {
            return Stopped ? "" : text;
        }

        var window = held + text;
        var (index, stop) = FirstStop(window);
        if (stop is not null)
        {
            Stopped = true;
            held = "";
            return window[..(index + (includeStopInOutput ? stop.Length : 0))];
        }

        var keep = PartialStopSuffixLength(window);
        held = window[^keep..];
        return window[..^keep];
    }

    /// <summary>At the end of generation, the held-back text is plain text after all.</summary>
    public string Flush()
    {
        var rest = held;
        held = "";
        return Stopped ? "" : rest;
    }

    private (int Index, string? Stop) FirstStop(string window)
    {
        var best = (Index: int.MaxValue, Stop: (string?)null);
        foreach (var stop in stops)
        {
            var index = window.IndexOf(stop, StringComparison.Ordinal);
            if (index >= 0 && index < best.Index)
            {
                best = (index, stop);
            }
        }

        return best;
    }

    /// <summary>Length of the longest end of the window that is a proper prefix of some stop string.</summary>
    private int PartialStopSuffixLength(string window)
    {
        for (var length = Math.Min(longest - 1, window.Length); length > 0; length--)
        {
            var suffix = window[^length..];
            if (stops.Any(stop => stop.Length > length && stop.StartsWith(suffix, StringComparison.Ordinal)))
            {
                return length;
            }
        }

        return 0;
    }
}
