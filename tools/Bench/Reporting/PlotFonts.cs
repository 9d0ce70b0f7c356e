using ScottPlot;
using SkiaSharp;

namespace LlmPlatform.Bench.Reporting;

/// <summary>
/// The font family the plots label themselves with. The Skia build used here reads fonts from the system font
/// directory without fontconfig; a host with none there would otherwise get plots whose titles, ticks and legend
/// are silently blank, so a Latin-1 cut of DejaVu Sans ships inside the assembly as the last resort.
/// </summary>
internal static class PlotFonts
{
    public const string EmbeddedFamily = "DejaVu Sans (embedded)";
    public const string EmbeddedResourceName = "LlmPlatform.Bench.Reporting.DejaVuSans-Latin1.ttf";

    private static readonly string[] PreferredSystemFamilies = ["DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica"];

    private static readonly Lazy<string> family = new(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>A sans-serif system family when one is installed, otherwise the embedded one (registered with ScottPlot on first use).</summary>
    public static string Family => family.Value;

    public static SKTypeface LoadEmbedded()
    {
        using var stream = typeof(PlotFonts).Assembly.GetManifestResourceStream(EmbeddedResourceName)
            ?? throw new InvalidOperationException($"The plot font resource {EmbeddedResourceName} is missing from the assembly.");
        return SKTypeface.FromStream(stream)
            ?? throw new InvalidOperationException($"The plot font resource {EmbeddedResourceName} is not a font Skia can read.");
    }

    private static string Resolve()
    {
        var installed = SKFontManager.Default.FontFamilies.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var system = PreferredSystemFamilies.FirstOrDefault(installed.Contains);
        if (system is not null)
            return system;

        Fonts.FontResolvers.Add(new EmbeddedFontResolver(LoadEmbedded()));
        // Elements that ignore the plot's font setting fall back to Fonts.Default, which is empty on such a host.
        Fonts.Default = EmbeddedFamily;
        return EmbeddedFamily;
    }

    private sealed class EmbeddedFontResolver(SKTypeface typeface) : IFontResolver
    {
        // One regular face serves every weight and slant: bold titles come out regular rather than blank.
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) =>
            fontName == EmbeddedFamily ? typeface : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == EmbeddedFamily ? typeface : null;
    }
}
