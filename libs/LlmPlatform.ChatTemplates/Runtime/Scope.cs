namespace LlmPlatform.ChatTemplates;

/// <summary>
/// A frame of variables. jinja2 gives every for-loop iteration and every macro call a fresh frame, so a
/// <c>set</c> inside a loop is gone at the next iteration and after the loop (hence namespace()).
/// Lookups walk outward: iteration → ... → template top level → render context → globals.
/// </summary>
internal sealed class Scope
{
    private readonly Scope? parent;
    private readonly Dictionary<string, object?> variables;

    public Scope(Scope? parent, Dictionary<string, object?>? variables = null)
    {
        this.parent = parent;
        this.variables = variables ?? new Dictionary<string, object?>(StringComparer.Ordinal);
    }

    public object? Resolve(string name)
    {
        for (var scope = this; scope is not null; scope = scope.parent)
        {
            if (scope.variables.TryGetValue(name, out var value))
            {
                return value;
            }
        }

        return Undefined.Variable(name);
    }

    public void Set(string name, object? value) => variables[name] = value;
}
