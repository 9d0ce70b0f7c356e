// The Multimodal service's host. Its gRPC API (images to embeddings for vision-language models) is not built yet;
// it takes part in the platform's wiring and health like every other service.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
