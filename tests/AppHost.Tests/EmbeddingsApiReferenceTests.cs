using System.Text;
using Aspire.Hosting.Testing;

namespace LlmPlatform.AppHost.Tests;

/// <summary>Every row of docs/api.md's embedding error table, sent through the Router, comes back as documented.</summary>
[Collection(PlatformCollection.Name)]
public sealed class EmbeddingsApiReferenceTests(PlatformFixture platform)
{
    public static TheoryData<string, int, string, string> ErrorCases()
    {
        var cases = new TheoryData<string, int, string, string>();
        foreach (var row in ApiDoc.TableRows("### Embedding errors"))
        {
            cases.Add(row[0].Trim('`'), int.Parse(row[1]), row[2], row[3]);
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public async Task Every_documented_embedding_error_comes_back_as_documented(string body, int status, string param, string code)
    {
        using var router = platform.App.CreateHttpClient("router");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await router.PostAsync("/v1/embeddings", content);

        await ApiDoc.AssertErrorAsDocumented(response, status, param, code);
    }
}
