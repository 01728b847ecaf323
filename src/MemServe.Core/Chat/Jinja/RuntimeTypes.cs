namespace MemServe.Chat.Jinja;

/// <summary>
/// Jinja's default <c>Undefined</c>: a missing variable, key or attribute. It prints as the empty string, is falsy,
/// iterates as empty and has length 0; reading an attribute or item of it, calling it, or doing arithmetic with it
/// fails with <see cref="Description"/> in the message.
/// </summary>
internal sealed class Undefined(string description)
{
    /// <summary>What is missing, e.g. <c>'x' is undefined</c> or <c>'dict object' has no attribute 'x'</c>.</summary>
    public string Description { get; } = description;

    public override string ToString() => "";
}

/// <summary>A Python tuple: a list that prints as <c>(a, b)</c>; tuple literals and <c>items()</c> pairs are tuples.</summary>
internal sealed class TupleValue : List<object?>;

/// <summary>The object <c>namespace(a=1)</c> returns: the one value whose attributes a template may assign in a loop.</summary>
internal sealed class TemplateNamespace
{
    public Dictionary<string, object?> Attributes { get; } = new(StringComparer.Ordinal);
}

/// <summary>A callable value: a global function, a filter-free builtin method bound to its receiver, or a macro.</summary>
internal sealed class JinjaFunction(string name, Func<IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, object?> body)
{
    public string Name { get; } = name;

    public object? Invoke(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs) => body(args, kwargs);
}

/// <summary>The <c>loop</c> variable inside a for loop.</summary>
internal sealed class LoopContext(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public object? GetAttribute(string name) => name switch
    {
        "index0" => (long)Index0,
        "index" => (long)Index0 + 1,
        "revindex0" => (long)(items.Count - Index0 - 1),
        "revindex" => (long)(items.Count - Index0),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : new Undefined("there is no previous item"),
        "nextitem" => Index0 < items.Count - 1 ? items[Index0 + 1] : new Undefined("there is no next item"),
        "cycle" => new JinjaFunction("loop.cycle", (args, _) =>
            args.Count == 0 ? throw new ChatTemplateException("loop.cycle needs at least one argument") : args[Index0 % args.Count]),
        _ => new Undefined($"'LoopContext' has no attribute '{name}'"),
    };
}
