using System.Text.Json.Nodes;

namespace LlmPlatform.ChatTemplates;

/// <summary>
/// A Hugging Face chat template, rendered the way transformers renders it: jinja2 in an immutable
/// sandbox with trim_blocks and lstrip_blocks, loop controls, a tojson that neither escapes HTML nor
/// ASCII, and the raise_exception and strftime_now globals. A parsed template is immutable and can be
/// rendered concurrently.
/// </summary>
public sealed class ChatTemplate
{
    private readonly IReadOnlyList<Statement> body;

    private ChatTemplate(IReadOnlyList<Statement> body)
    {
        this.body = body;
    }

    /// <summary>Parses the template text (tokenizer_config.json's chat_template).</summary>
    /// <exception cref="ChatTemplateSyntaxException">The text is not valid Jinja, or uses a feature this engine leaves out.</exception>
    public static ChatTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new ChatTemplate(TemplateParser.Parse(source));
    }

    /// <summary>
    /// Renders with the variables transformers passes: messages, tools, add_generation_prompt,
    /// bos_token, eos_token and any extra keys.
    /// </summary>
    /// <exception cref="ChatTemplateRaisedException">The template called raise_exception(message).</exception>
    /// <exception cref="ChatTemplateRenderException">Rendering failed where jinja2 would fail too.</exception>
    public string Render(JsonObject context) => Render(context, TimeProvider.System);

    /// <summary>Renders with strftime_now reading <paramref name="clock"/>, so tests can fix the date.</summary>
    internal string Render(JsonObject context, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(clock);
        var globals = new Scope(null, BuiltinGlobals.Create(clock));
        var variables = new Scope(globals, JsonValues.FromObject(context).Pairs.ToDictionary(p => (string)p.Key, p => p.Value, StringComparer.Ordinal));
        var interpreter = new Interpreter();
        try
        {
            return interpreter.Render(body, new Scope(variables));
        }
        catch (PythonError error)
        {
            throw new ChatTemplateRenderException(error.ErrorType, error.Message, interpreter.Position, error);
        }
        catch (OverflowException error)
        {
            throw new ChatTemplateRenderException("OverflowError", error.Message, interpreter.Position, error);
        }
        catch (InsufficientExecutionStackException error)
        {
            throw new ChatTemplateRenderException("RecursionError", "maximum recursion depth exceeded", interpreter.Position, error);
        }
    }
}
