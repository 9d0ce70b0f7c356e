using System.Text;

namespace LlmPlatform.Bench.Reporting;

/// <summary>A GitHub-flavoured markdown table: text columns left-aligned, numeric columns right-aligned.</summary>
internal sealed class MarkdownTable(IReadOnlyList<string> headers, int leadingTextColumns = 1)
{
    private readonly List<IReadOnlyList<string>> rows = [];

    public void AddRow(IReadOnlyList<string> cells)
    {
        if (cells.Count != headers.Count)
            throw new ArgumentException($"A row has {cells.Count} cells for {headers.Count} columns.", nameof(cells));
        rows.Add(cells);
    }

    public void AppendTo(StringBuilder markdown)
    {
        AppendRow(markdown, headers);
        AppendRow(markdown, headers.Select((_, i) => i < leadingTextColumns ? ":---" : "---:").ToList());
        foreach (var row in rows)
            AppendRow(markdown, row);
    }

    /// <summary>A configuration name is free text; an unescaped pipe in it would split its row into extra columns.</summary>
    public static string Escape(string text) => text.Replace("|", "\\|").ReplaceLineEndings(" ");

    private static void AppendRow(StringBuilder markdown, IReadOnlyList<string> cells) =>
        markdown.Append("| ").AppendJoin(" | ", cells.Select(Escape)).Append(" |\n");
}
