using System.Diagnostics;
using System.Text;
using LlmPlatform.AppHost.Redis;

namespace LlmPlatform.AppHost.Tests;

/// <summary>A service project run as its own process with `dotnet run --no-build`, the way a user starts it by hand.</summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly Process process;
    private readonly StringBuilder output;

    private ServiceProcess(Process process, StringBuilder output, HttpClient client)
    {
        this.process = process;
        this.output = output;
        Client = client;
    }

    public HttpClient Client { get; }

    public static async Task<ServiceProcess> StartAsync(string projectPath, Func<string, string[]> arguments)
    {
        var port = HostProbes.FreeLoopbackPort();
        var (process, output) = Launch(projectPath, arguments(port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var service = new ServiceProcess(process, output, client);
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline && !process.HasExited)
        {
            try
            {
                using var health = await client.GetAsync("/health");
                if (health.IsSuccessStatusCode)
                {
                    return service;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        var log = output.ToString();
        await service.DisposeAsync();
        throw new TimeoutException($"{Path.GetFileName(projectPath)} did not become healthy. Output:\n{log}");
    }

    public static async Task<(int ExitCode, string Output)> RunToExitAsync(string projectPath, string[] arguments)
    {
        var (process, output) = Launch(projectPath, arguments);
        using var timeout = new CancellationTokenSource(StartTimeout);
        await process.WaitForExitAsync(timeout.Token);
        lock (output)
        {
            return (process.ExitCode, output.ToString());
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private static (Process, StringBuilder) Launch(string projectPath, string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["run", "--no-build", "--configuration", BuildConfiguration, "--project", projectPath, "--", .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's own settings must not leak into the service.
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("ConnectionStrings__redis");

        var output = new StringBuilder();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif
}
