using System.Diagnostics;

namespace LlmPlatform.AppHost.Redis;

/// <summary>What this machine offers for running Redis.</summary>
public static class HostProbes
{
    /// <summary>
    /// Aspire's Redis container hangs forever without a working engine, so ask the runtime first: `docker info`
    /// (or the runtime named by ASPIRE_CONTAINER_RUNTIME) fails within milliseconds when no engine answers.
    /// </summary>
    public static bool ContainerRuntimeIsHealthy(string runtime, TimeSpan timeout)
    {
        var executable = FindOnPath(runtime, Environment.GetEnvironmentVariable("PATH"));
        if (executable is null)
        {
            return false;
        }

        var start = new ProcessStartInfo(executable, "info")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start);
        if (process is null)
        {
            return false;
        }

        // Drain both pipes so a chatty runtime cannot block on a full pipe before it exits.
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return false;
        }

        return process.ExitCode == 0;
    }

    public static string? FindOnPath(string executable, string? path)
    {
        if (Path.IsPathRooted(executable))
        {
            return File.Exists(executable) ? executable : null;
        }

        foreach (var directory in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, executable);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>A loopback port that is free now; the caller binds it right away.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
