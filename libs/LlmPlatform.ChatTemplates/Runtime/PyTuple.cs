namespace LlmPlatform.ChatTemplates;

/// <summary>A Python tuple: what dict.items() yields and what (a, b) builds; it prints as (a, b).</summary>
internal sealed class PyTuple(IReadOnlyList<object?> items)
{
    public IReadOnlyList<object?> Items { get; } = items;
}
