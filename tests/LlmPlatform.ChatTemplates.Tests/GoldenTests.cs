namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>Every golden Python's jinja2 produced must come out byte for byte the same here.</summary>
public sealed class GoldenTests
{
    public static TheoryData<string> Goldens()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(GoldenFixtures.GoldensDirectory, "*.txt").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Goldens))]
    public void Template_renders_like_python_jinja2(string golden)
    {
        var parts = golden.Split('.');
        var (family, conversation, generation) = (parts[0], parts[1], parts[2]);
        var expected = File.ReadAllText(Path.Combine(GoldenFixtures.GoldensDirectory, golden));
        var template = ChatTemplate.Parse(GoldenFixtures.Template(family));
        var context = GoldenFixtures.Context(family, conversation, addGenerationPrompt: generation == "gen");

        switch (parts[3])
        {
            case "txt":
                Assert.Equal(expected, template.Render(context, FixedClock.GoldenInstant));
                break;
            case "error":
                var raised = Assert.Throws<ChatTemplateRaisedException>(() => template.Render(context, FixedClock.GoldenInstant));
                Assert.Equal(expected, raised.Message);
                break;
            default:
                // Python's message is informative; the contract is the same kind of failure.
                var failed = Assert.Throws<ChatTemplateRenderException>(() => template.Render(context, FixedClock.GoldenInstant));
                Assert.Equal(expected[..expected.IndexOf(':')], failed.ErrorType);
                break;
        }
    }

    [Fact]
    public void Every_family_conversation_and_generation_prompt_has_exactly_one_golden()
    {
        var files = Directory.GetFiles(GoldenFixtures.GoldensDirectory, "*.txt").Select(Path.GetFileName).ToList();
        foreach (var family in GoldenFixtures.FamilyNames)
        {
            foreach (var conversation in GoldenFixtures.ConversationNames)
            {
                foreach (var generation in new[] { "gen", "nogen" })
                {
                    var stem = $"{family}.{conversation}.{generation}.";
                    Assert.Single(files, f => f!.StartsWith(stem, StringComparison.Ordinal));
                }
            }
        }
    }
}
