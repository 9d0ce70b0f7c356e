using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LlmPlatform.Bench.Platform;

/// <summary>
/// A server the benchmark started itself (a lone worker, or the whole platform from the AppHost) and stops when the
/// configuration's run is over, so that one command compares, say, max_num_seqs 32 against 1. It runs the projects
/// with `dotnet run`, as a user would, from the repository the tool was built in.
/// </summary>
public sealed class LaunchedServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly TimeSpan teardown;

    private LaunchedServer(Process process, Uri baseUrl, TimeSpan teardown)
    {
        this.process = process;
        BaseUrl = baseUrl;
        this.teardown = teardown;
    }

    public Uri BaseUrl { get; }

    /// <summary>One worker on a free port: <paramref name="arguments"/> are its vLLM-style flags (--model, --max-num-seqs …).</summary>
    public static Task<LaunchedServer> StartWorkerAsync(string repository, IReadOnlyList<string> arguments, string configuration, bool build, CancellationToken cancellation)
    {
        var port = FreePort();
        return StartAsync(repository, "services/GpuWorker", [.. arguments, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            new Uri($"http://127.0.0.1:{port}"), configuration, build, TimeSpan.Zero, cancellation);
    }

    /// <summary>The AppHost (Router on port 8000); <paramref name="arguments"/> are its settings (--Platform:Workers=4 …).</summary>
    public static Task<LaunchedServer> StartPlatformAsync(string repository, IReadOnlyList<string> arguments, string configuration, bool build, CancellationToken cancellation) =>
        StartAsync(repository, "AppHost", ["--Platform:Dashboard=false", .. arguments], new Uri("http://127.0.0.1:8000"), configuration, build, PlatformTeardown, cancellation);

    /// <summary>
    /// How long the AppHost's orchestrator takes to stop the services after the AppHost is gone (~15 s measured). Its
    /// workers live on meanwhile, and would register with the next platform's Redis if it started on the same port.
    /// </summary>
    private static readonly TimeSpan PlatformTeardown = TimeSpan.FromSeconds(20);

    /// <summary>The repository holding <c>LlmPlatform.sln</c>, searched upwards from the working directory and from the tool.</summary>
    public static string FindRepository() =>
        new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory }
            .SelectMany(start => Ancestors(new DirectoryInfo(start)))
            .FirstOrDefault(directory => File.Exists(Path.Combine(directory.FullName, "LlmPlatform.sln")))?.FullName
        ?? throw new InvalidOperationException("Starting a server needs the LlmPlatform repository: run from inside it.");

    private static IEnumerable<DirectoryInfo> Ancestors(DirectoryInfo? directory)
    {
        for (; directory is not null; directory = directory.Parent)
        {
            yield return directory;
        }
    }

    private static async Task<LaunchedServer> StartAsync(string repository, string project, IReadOnlyList<string> arguments, Uri baseUrl, string configuration,
        bool build, TimeSpan teardown, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = repository, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["run", "-c", configuration, .. build ? Array.Empty<string>() : ["--no-build"], "--project", project, "--", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet could not be started.");
        var server = new LaunchedServer(process, baseUrl, teardown);
        process.OutputDataReceived += (_, line) => server.Log(line.Data);
        process.ErrorDataReceived += (_, line) => server.Log(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilServingAsync(cancellation);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ready when <c>/v1/models</c> answers: through the Router that also means a worker is up behind it.</summary>
    private async Task WaitUntilServingAsync(CancellationToken cancellation)
    {
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {process.ExitCode} before serving. Output:\n{Output}");
            }

            try
            {
                using var models = await http.GetAsync("/v1/models", cancellation);
                if (models.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellation.IsCancellationRequested)
            {
            }

            await Task.Delay(500, cancellation);
        }

        throw new TimeoutException($"The server did not serve within {StartTimeout}. Output:\n{Output}");
    }

    private string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        await WaitUntilGoneAsync();
        await Task.Delay(teardown);
    }

    /// <summary>
    /// The AppHost's orchestrator stops its services some seconds after the AppHost itself, and the next
    /// configuration's platform listens on the same port: until the old one stops answering, a new start would be
    /// "ready" at once and measure a platform that is shutting down.
    /// </summary>
    private async Task WaitUntilGoneAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var _ = await http.GetAsync("/health");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return;
            }

            await Task.Delay(500);
        }
    }
}
