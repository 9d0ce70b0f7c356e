namespace LlmPlatform.ChatTemplates;

/// <summary>Turns offsets in the (newline-normalized) template into line and column numbers.</summary>
internal sealed class SourceMap
{
    private readonly List<int> lineStarts = [0];

    public SourceMap(string source)
    {
        for (var i = source.IndexOf('\n'); i >= 0; i = source.IndexOf('\n', i + 1))
        {
            lineStarts.Add(i + 1);
        }
    }

    public SourcePosition PositionOf(int offset)
    {
        var line = lineStarts.BinarySearch(offset);
        if (line < 0)
        {
            line = ~line - 1;
        }

        return new SourcePosition(line + 1, offset - lineStarts[line] + 1);
    }
}
