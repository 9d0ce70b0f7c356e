namespace LlmPlatform.ChatTemplates;

/// <summary>
/// jinja2's namespace(): the one object templates may assign attributes to (<c>set ns.x = ...</c>),
/// which is how state escapes a for loop's scope.
/// </summary>
internal sealed class Namespace
{
    private readonly OrderedDictionary<string, object?> attributes = new(StringComparer.Ordinal);

    public IEnumerable<KeyValuePair<string, object?>> Attributes => attributes;

    public object? GetAttribute(string name) =>
        attributes.TryGetValue(name, out var value) ? value : Undefined.Member(this, name);

    public void SetAttribute(string name, object? value) => attributes[name] = value;
}
