namespace LlmPlatform.ChatTemplates;

/// <summary>
/// The <c>loop</c> variable inside a for loop (jinja2's LoopContext, non-recursive). One instance
/// serves the whole loop, as in jinja2, so that loop.changed() can remember the previous value.
/// </summary>
internal sealed class LoopContext(IReadOnlyList<object?> items)
{
    private PyTuple? lastChanged;

    public int Index0 { get; set; }

    public object? GetAttribute(string name)
    {
        var length = items.Count;
        return name switch
        {
            "index" => (long)(Index0 + 1),
            "index0" => (long)Index0,
            "revindex" => (long)(length - Index0),
            "revindex0" => (long)(length - Index0 - 1),
            "first" => Index0 == 0,
            "last" => Index0 == length - 1,
            "length" => (long)length,
            "depth" => 1L,
            "depth0" => 0L,
            "previtem" => Index0 > 0 ? items[Index0 - 1] : Undefined.WithHint("there is no previous item"),
            "nextitem" => Index0 < length - 1 ? items[Index0 + 1] : Undefined.WithHint("there is no next item"),
            "cycle" => new PyFunction("cycle", Cycle, this),
            "changed" => new PyFunction("changed", Changed, this),
            _ => Undefined.Member(this, name),
        };
    }

    private object? Cycle(CallArguments arguments)
    {
        if (arguments.Positional.Count == 0)
        {
            throw PythonError.Type("no items for cycling given");
        }

        return arguments.Positional[Index0 % arguments.Positional.Count];
    }

    private object? Changed(CallArguments arguments)
    {
        var value = new PyTuple(arguments.Positional);
        if (lastChanged is not null && PyOps.Equal(lastChanged, value))
        {
            return false;
        }

        lastChanged = value;
        return true;
    }
}
