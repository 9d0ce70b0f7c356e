using Grpc.Net.Client;
using LlmPlatform.Tokenizers.Fixtures;
using Microsoft.AspNetCore.Builder;
using TokenizerClient = LlmPlatform.Contracts.Tokenizer.Tokenizer.TokenizerClient;

namespace LlmPlatform.TokenizerService.Tests;

/// <summary>
/// The real Tokenizer service on a loopback port, serving the GPT-2 (ChatML) and Llama 3 fixtures plus the BERT one
/// (which has no chat template), reached by a real gRPC client over HTTP/2.
/// </summary>
public sealed class TokenizerServiceFixture : IAsyncLifetime
{
    public const int MaxInputChars = 10_000;

    private readonly string root = Directory.CreateTempSubdirectory("llmplatform-tokenizer-service-").FullName;
    private WebApplication? app;
    private GrpcChannel? channel;

    public TokenizerClient Client { get; private set; } = null!;

    public string DirectoryOf(string family) => Path.Combine(root, family);

    public async Task InitializeAsync()
    {
        var fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizers");
        string[] families = ["gpt2", "llama3", "bert"];
        var grpcPort = FreePort();
        var args = new List<string> { "--Server:Host=127.0.0.1", $"--Server:HttpPort={FreePort()}", $"--Server:GrpcPort={grpcPort}", $"--Tokenizer:MaxInputChars={MaxInputChars}", "--Tokenizer:TrustRequestChatTemplate=true" };
        for (var i = 0; i < families.Length; i++)
        {
            args.Add($"--Tokenizer:Models:{i}:Path={FixtureDirectories.Materialize(families[i], fixtures, root)}");
        }

        app = TokenizerApp.Build([.. args]);
        await app.StartAsync();
        channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        Client = new TokenizerClient(channel);
    }

    /// <summary>Starts another instance of the service with the given extra arguments (same models); dispose it after use.</summary>
    public async Task<(WebApplication App, TokenizerClient Client)> StartAnotherAsync(params string[] extraArgs)
    {
        var grpcPort = FreePort();
        var other = TokenizerApp.Build(["--Server:Host=127.0.0.1", $"--Server:HttpPort={FreePort()}", $"--Server:GrpcPort={grpcPort}", $"--Tokenizer:Models:0:Path={DirectoryOf("gpt2")}", .. extraArgs]);
        await other.StartAsync();
        return (other, new TokenizerClient(GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}")));
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        channel?.Dispose();
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        Directory.Delete(root, recursive: true);
    }
}
