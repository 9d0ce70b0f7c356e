namespace LlmPlatform.Models.Demo;

/// <summary>
/// The folder outside the source tree where generated models live, one subfolder per shape. A model appears there
/// only complete: it is written into a private temporary folder and renamed into place, so that two processes that
/// start together (two workers, or a worker and a tool) never see or write a half-written model.
/// </summary>
public static class ModelCache
{
    /// <summary>Environment variable that moves the cache; configuration key <c>Models:CacheDirectory</c> does the same for services.</summary>
    public const string RootVariable = "LLMPLATFORM_MODELS";

    public static string DefaultRoot()
    {
        var configured = Environment.GetEnvironmentVariable(RootVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        var cacheHome = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrWhiteSpace(cacheHome))
        {
            cacheHome = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        }

        return Path.Combine(cacheHome, "llmplatform", "models");
    }

    /// <summary>Returns the model directory for <paramref name="shape"/>, writing it first if it is not there yet.</summary>
    public static string EnsureRandomModel(string root, ModelShape shape, IProgress<ModelWriteProgress>? progress = null, int seed = RandomModelWriter.DefaultSeed) =>
        Ensure(root, shape.Name, directory => RandomModelWriter.Write(directory, shape, seed, progress));

    /// <summary>
    /// Returns <paramref name="root"/>/<paramref name="name"/>, calling <paramref name="write"/> first if it is not there
    /// yet. The directory appears only complete: it is written into a private folder and renamed into place, so a
    /// process that finds it can use it, and of two processes preparing it at once one copy wins (same name, same
    /// content).
    /// </summary>
    public static string Ensure(string root, string name, Action<string> write)
    {
        var target = Path.Combine(root, name);
        if (Directory.Exists(target))
        {
            return target;
        }

        Directory.CreateDirectory(root);
        var partial = Path.Combine(root, $".partial-{name}-{Guid.NewGuid():N}");
        try
        {
            write(partial);
            Directory.Move(partial, target);
        }
        catch (IOException) when (Directory.Exists(target))
        {
            // Another process finished the same model first; its copy is identical.
        }
        finally
        {
            if (Directory.Exists(partial))
            {
                Directory.Delete(partial, recursive: true);
            }
        }

        return target;
    }
}
