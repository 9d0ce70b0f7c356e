namespace LlmPlatform.EngineBench;

/// <summary>Prints a markdown table; a column whose cells are all numbers is right-aligned.</summary>
internal sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> rows = [];

    public MarkdownTable Row(params object[] cells)
    {
        rows.Add(cells.Select(Format).ToArray());
        return this;
    }

    public void Print()
    {
        Console.WriteLine();
        Console.WriteLine($"| {string.Join(" | ", headers)} |");
        Console.WriteLine($"| {string.Join(" | ", headers.Select((_, i) => rows.All(r => IsNumeric(r[i])) ? "---:" : "---"))} |");
        foreach (var row in rows)
        {
            Console.WriteLine($"| {string.Join(" | ", row)} |");
        }

        Console.WriteLine();
    }

    private static string Format(object cell) => cell switch
    {
        double d when double.IsNaN(d) => "-",
        double d when Math.Abs(d) >= 100 => d.ToString("N0"),
        double d when Math.Abs(d) >= 10 => d.ToString("F1"),
        double d => d.ToString("F2"),
        _ => cell.ToString() ?? "",
    };

    private static bool IsNumeric(string cell) => cell == "-" || double.TryParse(cell.TrimEnd('x', '%'), System.Globalization.NumberStyles.Any, null, out _);
}
