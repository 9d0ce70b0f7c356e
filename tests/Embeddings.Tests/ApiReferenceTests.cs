using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using LlmPlatform.Embeddings.Api;

namespace LlmPlatform.Embeddings.Tests;

/// <summary>docs/api.md's embeddings field table lists exactly the fields the request type accepts.</summary>
public sealed class ApiReferenceTests
{
    private static readonly string ApiDoc = Path.Combine(AppContext.BaseDirectory, "docs", "api.md");

    [Fact]
    public void The_embeddings_field_table_lists_exactly_the_fields_the_endpoint_accepts()
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        var accepted = options.GetTypeInfo(typeof(EmbeddingRequest)).Properties.Select(p => p.Name).Order().ToList();

        var documented = File.ReadLines(ApiDoc)
            .SkipWhile(line => line != "### Embedding request fields")
            .Skip(1)
            .SkipWhile(line => !line.StartsWith('|'))
            .TakeWhile(line => line.StartsWith('|'))
            .Skip(2)
            .Select(line => line[1..^1].Split('|')[0].Trim().Trim('`'))
            .Order()
            .ToList();

        Assert.Equal(accepted, documented);
    }
}
