using System.Text.Json.Nodes;
using LlmPlatform.ChatTemplates;

namespace LlmPlatform.Tokenizers.Chat;

/// <summary>
/// Renders a conversation into a model's prompt with its chat template, passing the variables transformers'
/// apply_chat_template passes: messages, tools (None when absent, so that "tools is not none" works),
/// add_generation_prompt, the special tokens by name, and any extra keyword arguments.
/// </summary>
public sealed class ChatPromptRenderer
{
    private readonly HfTokenizer tokenizer;
    private readonly Lazy<ChatTemplate?> modelTemplate;

    public ChatPromptRenderer(HfTokenizer tokenizer)
    {
        this.tokenizer = tokenizer;
        modelTemplate = new Lazy<ChatTemplate?>(() => tokenizer.Config.ChatTemplate is { } source ? ChatTemplate.Parse(source) : null);
    }

    public bool HasTemplate => tokenizer.Config.ChatTemplate is not null;

    /// <summary>
    /// Renders with <paramref name="templateOverride"/> when given, else the model's template.
    /// Throws <see cref="ChatTemplateException"/> subtypes for template errors (syntax, raise_exception, runtime)
    /// and <see cref="InvalidOperationException"/> when the model has no template and none is given.
    /// </summary>
    public string Render(JsonArray messages, JsonArray? tools, bool addGenerationPrompt, JsonObject? templateKwargs = null, string? templateOverride = null)
    {
        var template = templateOverride is not null
            ? ChatTemplate.Parse(templateOverride)
            : modelTemplate.Value ?? throw new InvalidOperationException("The model has no chat template; pass one with the request.");

        var context = new JsonObject();
        foreach (var (name, value) in SpecialTokens())
        {
            context[name] = value;
        }

        if (templateKwargs is not null)
        {
            foreach (var (name, value) in templateKwargs)
            {
                context[name] = value?.DeepClone();
            }
        }

        context["messages"] = messages.DeepClone();
        context["tools"] = tools?.DeepClone();
        context["documents"] = null;
        context["add_generation_prompt"] = addGenerationPrompt;
        return template.Render(context);
    }

    private IEnumerable<(string Name, string Value)> SpecialTokens()
    {
        var config = tokenizer.Config;
        if (config.BosToken is { } bos)
        {
            yield return ("bos_token", bos);
        }

        if (config.EosToken is { } eos)
        {
            yield return ("eos_token", eos);
        }

        if (config.UnkToken is { } unk)
        {
            yield return ("unk_token", unk);
        }

        if (config.PadToken is { } pad)
        {
            yield return ("pad_token", pad);
        }
    }
}
