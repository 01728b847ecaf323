namespace MemServe.Chat.Jinja;

/// <summary>
/// A variable frame. Jinja scoping: the template root, each for-loop iteration and each macro call get a frame;
/// <c>if</c> blocks do not. <c>set</c> writes to the innermost frame, so a loop cannot change an outer variable
/// (templates use <c>namespace()</c> for that).
/// </summary>
internal sealed class Scope(Scope? parent)
{
    private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

    public bool TryGet(string name, out object? value)
    {
        for (Scope? s = this; s is not null; s = s.Parent)
            if (s._variables.TryGetValue(name, out value)) return true;
        value = null;
        return false;
    }

    public Scope? Parent => parent;

    public void Set(string name, object? value) => _variables[name] = value;
}
