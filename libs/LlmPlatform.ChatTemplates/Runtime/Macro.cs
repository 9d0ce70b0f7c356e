namespace LlmPlatform.ChatTemplates;

/// <summary>A macro defined by the template: calling it renders its body with the arguments bound.</summary>
internal sealed class Macro(MacroStatement definition, Scope closure, Interpreter interpreter) : IPyCallable
{
    public string Name => definition.Name;

    public object? Invoke(CallArguments arguments) => interpreter.CallMacro(definition, closure, arguments);
}
