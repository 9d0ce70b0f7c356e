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

        return ModelCache.EnsureRandomModel(CacheRootFor(settings), ModelShape.Demo, ConsoleModelProgress.ForConsole());
    }

    /// <summary>
    /// The model cache every service shares: the Embeddings service prepares its default model there itself (it reads
    /// the weights from a package the AppHost does not carry), so it is handed the same root.
    /// </summary>
    public static string CacheRootFor(PlatformSettings settings) =>
        string.IsNullOrWhiteSpace(settings.ModelCacheDirectory) ? ModelCache.DefaultRoot() : Path.GetFullPath(settings.ModelCacheDirectory);
}
