using LlmPlatform.Models.Demo;

namespace LlmPlatform.AppHost;

/// <summary>
/// Prepares the demo model before any worker starts, in the AppHost's own console so that progress is visible on
/// the first `dotnet run`. Later starts find it in the cache and return at once.
/// </summary>
public static class DemoModelPreparation
{
    public static string ModelPathFor(PlatformSettings settings)
    {
        if (!string.IsNullOrWhiteSpace(settings.Model))
        {
            return Path.GetFullPath(settings.Model);
        }

        var root = string.IsNullOrWhiteSpace(settings.ModelCacheDirectory) ? ModelCache.DefaultRoot() : Path.GetFullPath(settings.ModelCacheDirectory);
        return ModelCache.EnsureRandomModel(root, ModelShape.Demo, ConsoleModelProgress.ForConsole());
    }
}
