namespace LlmPlatform.TokenizerService;

/// <summary>Builds the Tokenizer service; tests host the same application on a real port.</summary>
public static class TokenizerApp
{
    /// <summary>Ports when run on its own; the AppHost assigns its own through Server:HttpPort and Server:GrpcPort.</summary>
    public const int DefaultHttpPort = 8010;
    public const int DefaultGrpcPort = 50051;

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.ListenForHttpAndGrpc(DefaultHttpPort, DefaultGrpcPort);
        builder.AddServiceDefaults();
        builder.Services.AddGrpc();
        builder.Services.AddOptions<TokenizerOptions>().BindConfiguration(TokenizerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<TokenizerRegistry>();
        builder.Services.AddHealthChecks().AddCheck<TokenizerHealthCheck>("tokenizers");

        var app = builder.Build();

        // Load every tokenizer before listening: a wrong path fails startup, not the first request.
        app.Services.GetRequiredService<TokenizerRegistry>();

        app.MapDefaultEndpoints();
        app.MapGrpcService<TokenizerGrpcService>();
        return app;
    }
}
