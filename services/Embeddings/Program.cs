using LlmPlatform.Embeddings;

var builder = WebApplication.CreateBuilder(args);
builder.AddServerFlags(args, EmbeddingsOptions.CommandLineFlags);
builder.AddServiceDefaults();

builder.Services.AddOptions<EmbeddingsOptions>().BindConfiguration(EmbeddingsOptions.Section);
builder.Services.AddSingleton<EncoderModelHealthCheck>();
builder.Services.AddHealthChecks().AddCheck<EncoderModelHealthCheck>("model");

var app = builder.Build();

// Open the model directory before listening, so a wrong --model fails startup with the missing file named.
app.Services.GetRequiredService<EncoderModelHealthCheck>();

app.MapDefaultEndpoints();
app.Run();
