using LlmPlatform.Embeddings;
using LlmPlatform.Embeddings.Api;
using LlmPlatform.Embeddings.Batching;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
builder.AddServerFlags(args, EmbeddingsOptions.CommandLineFlags);
builder.AddServiceDefaults();

builder.Services.AddOptions<EmbeddingsOptions>().BindConfiguration(EmbeddingsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
builder.Services.AddSingleton(services => ServedEncoder.Load(services.GetRequiredService<IOptions<EmbeddingsOptions>>(), services.GetRequiredService<ILogger<ServedEncoder>>()));
builder.Services.AddSingleton<IEmbeddingModel>(services => services.GetRequiredService<ServedEncoder>());
builder.Services.AddSingleton<EmbeddingsMetrics>();
builder.Services.AddSingleton<EmbeddingBatcher>();
builder.Services.AddHostedService(services => services.GetRequiredService<EmbeddingBatcher>());
builder.Services.AddHealthChecks().AddCheck<EncoderModelHealthCheck>("model");

var app = builder.Build();

// Load the model (preparing the default one on first use) before listening: a wrong --model or a batch cap too small
// for the model fails startup with the reason, not the first request.
app.Services.GetRequiredService<EmbeddingBatcher>();

app.MapDefaultEndpoints();
app.MapEmbeddingsEndpoints();
app.Run();
