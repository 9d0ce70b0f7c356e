using System.Text.Json.Nodes;

namespace LlmPlatform.ChatTemplates.Tests;

/// <summary>Renders a template with a context written as JSON, the way the unit tests state their cases.</summary>
internal static class Jinja
{
    public static string Render(string template, string context = "{}") =>
        ChatTemplate.Parse(template).Render((JsonObject)JsonNode.Parse(context)!, FixedClock.GoldenInstant);

    public static ChatTemplateRenderException RenderFailure(string template, string context = "{}") =>
        Assert.Throws<ChatTemplateRenderException>(() => Render(template, context));

    public static ChatTemplateSyntaxException SyntaxFailure(string template) =>
        Assert.Throws<ChatTemplateSyntaxException>(() => ChatTemplate.Parse(template));
}
