using System.Globalization;
using System.Text;

namespace LlmPlatform.GpuWorker.Metrics;

/// <summary>
/// Prometheus' text exposition format 0.0.4: <c># HELP</c> and <c># TYPE</c> lines, then one
/// <c>name{labels} value</c> line per sample. The only label is <c>model_name</c> (and <c>le</c> on buckets).
/// </summary>
internal sealed class PrometheusTextWriter
{
    private readonly StringBuilder text = new();

    public void Header(string name, string help, string type)
    {
        text.Append("# HELP ").Append(name).Append(' ');
        foreach (var c in help)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }

        text.Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
    }

    public void Sample(string name, string model, double value)
    {
        text.Append(name).Append("{model_name=\"");
        LabelValue(model);
        text.Append("\"} ").Append(Number(value)).Append('\n');
    }

    public void Bucket(string name, string model, double bound, long count)
    {
        text.Append(name).Append("_bucket{model_name=\"");
        LabelValue(model);
        text.Append("\",le=\"").Append(Number(bound)).Append("\"} ").Append(Number(count)).Append('\n');
    }

    public override string ToString() => text.ToString();

    /// <summary>
    /// Numbers as vLLM's Python client writes them (<c>1.0</c>, <c>0.001</c>, <c>+Inf</c>). For <c>le</c> this is
    /// more than cosmetic: a label value is a string, so a Prometheus that does not normalize <c>le</c> (2.x scraping
    /// text) would keep <c>le="1"</c> and vLLM's <c>le="1.0"</c> as two series.
    /// </summary>
    private static string Number(double value)
    {
        if (double.IsPositiveInfinity(value))
        {
            return "+Inf";
        }

        if (double.IsNegativeInfinity(value))
        {
            return "-Inf";
        }

        if (double.IsNaN(value))
        {
            return "NaN";
        }

        var number = value.ToString("R", CultureInfo.InvariantCulture);
        return number.AsSpan().IndexOfAny('.', 'E') < 0 ? number + ".0" : number;
    }

    private void LabelValue(string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
    }
}
