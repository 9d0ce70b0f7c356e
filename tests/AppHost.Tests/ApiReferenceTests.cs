using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Aspire.Hosting.Testing;
using LlmPlatform.OpenAi;

namespace LlmPlatform.AppHost.Tests;

/// <summary>
/// docs/api.md is the API's reference, and these tests keep it true: its field table must list exactly the fields
/// the request types accept, and every row of its error table is sent through the Router and must come back with the
/// status, param and code it states, in OpenAI's error shape.
/// </summary>
[Collection(PlatformCollection.Name)]
public sealed class ApiReferenceTests(PlatformFixture platform)
{
    public static TheoryData<string, string, int, string, string> ErrorCases()
    {
        var cases = new TheoryData<string, string, int, string, string>();
        foreach (var row in ApiDoc.TableRows("## Errors"))
        {
            cases.Add(row[0], row[1].Trim('`'), int.Parse(row[2]), row[3], row[4]);
        }

        return cases;
    }

    [Theory]
    [InlineData("completions", typeof(CompletionRequest))]
    [InlineData("chat", typeof(ChatCompletionRequest))]
    public void The_field_table_lists_exactly_the_fields_each_endpoint_accepts(string endpoint, Type request)
    {
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, TypeInfoResolver = new DefaultJsonTypeInfoResolver() };
        var accepted = options.GetTypeInfo(request).Properties.Select(p => p.Name).Order().ToList();

        var documented = ApiDoc.TableRows("## Request fields")
            .Where(row => row[1].Split(", ").Contains(endpoint))
            .Select(row => row[0].Trim('`'))
            .Order()
            .ToList();

        Assert.Equal(accepted, documented);
    }

    [Theory]
    [MemberData(nameof(ErrorCases))]
    public async Task Every_documented_error_comes_back_as_documented(string endpoint, string body, int status, string param, string code)
    {
        using var router = platform.App.CreateHttpClient("router");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await router.PostAsync(endpoint == "chat" ? "/v1/chat/completions" : "/v1/completions", content);

        await ApiDoc.AssertErrorAsDocumented(response, status, param, code);
    }
}
