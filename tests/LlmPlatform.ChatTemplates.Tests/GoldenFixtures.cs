using System.Text.Json.Nodes;

namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>
/// The fixtures tools/chat-template-goldens/make_goldens.py renders with Python's jinja2: templates,
/// conversations, per-family special tokens, and one golden per (family, conversation, generation prompt).
/// </summary>
internal static class GoldenFixtures
{
    public static string Root { get; } = Path.Combine(AppContext.BaseDirectory, "Fixtures", "chat-templates");

    public static string GoldensDirectory => Path.Combine(Root, "goldens");

    public static JsonObject Families => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "families.json")))!;

    public static IEnumerable<string> FamilyNames => Families.Select(f => f.Key).Order(StringComparer.Ordinal);

    public static IEnumerable<string> ConversationNames =>
        Directory.GetFiles(Path.Combine(Root, "conversations"), "*.json").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal)!;

    public static string Template(string family) => File.ReadAllText(Path.Combine(Root, "templates", family + ".jinja"));

    /// <summary>The variables transformers passes, built the same way make_goldens.py builds them.</summary>
    public static JsonObject Context(string family, string conversationName, bool addGenerationPrompt)
    {
        var conversation = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "conversations", conversationName + ".json")))!;
        var context = new JsonObject
        {
            ["messages"] = conversation["messages"]!.DeepClone(),
            ["tools"] = conversation["tools"]?.DeepClone(),
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        var tokens = Families[family]!.AsObject();
        foreach (var token in new[] { "bos_token", "eos_token" })
        {
            if (tokens[token] is { } value)
            {
                context[token] = value.DeepClone();
            }
        }

        return context;
    }
}
