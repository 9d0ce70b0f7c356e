namespace LlmPlatform.ChatTemplates;

/// <summary>An evaluated <c>[start:stop:step]</c>; null parts mean "from the end the step points away from".</summary>
internal sealed class PySlice(object? start, object? stop, object? step)
{
    /// <summary>The positions Python's seq[start:stop:step] visits in a sequence of <paramref name="length"/> items.</summary>
    public IEnumerable<int> Indices(int length)
    {
        var stepValue = step is null ? 1 : Bound(step);
        if (stepValue == 0)
        {
            throw PythonError.Value("slice step cannot be zero");
        }

        var (lower, upper) = stepValue > 0 ? (0L, (long)length) : (-1L, length - 1L);
        var first = start is null ? (stepValue > 0 ? lower : upper) : Clamp(Bound(start), length, lower, upper);
        var last = stop is null ? (stepValue > 0 ? upper : lower) : Clamp(Bound(stop), length, lower, upper);
        for (var i = first; stepValue > 0 ? i < last : i > last; i += stepValue)
        {
            yield return (int)i;
        }
    }

    private static long Bound(object? value) => value is bool or long
        ? PyOps.ToLong(value)
        : throw PythonError.Type("slice indices must be integers or None or have an __index__ method");

    private static long Clamp(long index, int length, long lower, long upper)
    {
        if (index < 0)
        {
            index += length;
        }

        return Math.Clamp(index, lower, upper);
    }
}
