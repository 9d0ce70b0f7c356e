using System.Net.Http.Json;
using System.Text.Json;

namespace LlmPlatform.AppHost.Tests;

/// <summary>docs/api.md as the reference tests read it: its tables, and what an error row promises.</summary>
internal static class ApiDoc
{
    private static readonly string DocPath = Path.Combine(AppContext.BaseDirectory, "docs", "api.md");

    /// <summary>The cells of the markdown table under <paramref name="heading"/>, header and rule lines skipped.</summary>
    public static IEnumerable<string[]> TableRows(string heading) =>
        File.ReadLines(DocPath)
            .SkipWhile(line => line != heading)
            .Skip(1)
            .SkipWhile(line => !line.StartsWith('|'))
            .TakeWhile(line => line.StartsWith('|'))
            .Skip(2)
            .Select(line => line[1..^1].Split('|').Select(cell => cell.Trim()).ToArray());

    /// <summary>
    /// An error row's promise: OpenAI's error shape, an invalid request with a message, and the row's status, param and
    /// code (an empty cell is null).
    /// </summary>
    public static async Task AssertErrorAsDocumented(HttpResponseMessage response, int status, string param, string code)
    {
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(param.Length == 0 ? null : param, error.GetProperty("param").GetString());
        Assert.Equal(code.Length == 0 ? null : code, error.GetProperty("code").GetString());
    }
}
