// The Tokenizer service's host. Its gRPC API (Encode, Decode, RenderChat, ModelInfo) arrives with issue 3; until
// then it takes part in the platform's wiring and health like every other service.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();

var app = builder.Build();
app.MapDefaultEndpoints();
app.Run();
