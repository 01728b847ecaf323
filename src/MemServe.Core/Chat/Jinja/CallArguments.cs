namespace MemServe.Chat.Jinja;

/// <summary>Evaluated arguments of a filter, test or function call, read Python-style by position or keyword.</summary>
internal sealed class CallArguments(string callee, IReadOnlyList<object?> positional, IReadOnlyDictionary<string, object?> keyword)
{
    public static readonly IReadOnlyDictionary<string, object?> NoKeywords = new Dictionary<string, object?>();

    public IReadOnlyList<object?> Positional => positional;

    public IReadOnlyDictionary<string, object?> Keyword => keyword;

    /// <summary>The argument at <paramref name="index"/> or named <paramref name="name"/>, else <paramref name="fallback"/>.</summary>
    public object? Get(int index, string name, object? fallback = null)
    {
        if (keyword.TryGetValue(name, out object? value)) return value;
        return index >= 0 && index < positional.Count ? positional[index] : fallback;
    }

    public bool Has(int index, string name) => keyword.ContainsKey(name) || (index >= 0 && index < positional.Count);

    public object? Required(int index, string name) =>
        Has(index, name) ? Get(index, name) : throw new ChatTemplateException($"{callee}: missing argument '{name}'");

    public string? GetString(int index, string name, string? fallback = null)
    {
        object? value = Get(index, name, fallback);
        return value is null or string ? (string?)value : throw new ChatTemplateException($"{callee}: argument '{name}' must be a string, got '{Values.TypeName(value)}'");
    }

    public bool GetBool(int index, string name, bool fallback = false) => Values.IsTruthy(Get(index, name, fallback));

    /// <summary>Rejects arguments beyond <paramref name="maxPositional"/> or keywords not in <paramref name="names"/>.</summary>
    public CallArguments Allow(int maxPositional, params string[] names)
    {
        if (positional.Count > maxPositional)
            throw new ChatTemplateException($"{callee}: takes at most {maxPositional} positional argument(s), got {positional.Count}");
        foreach (string key in keyword.Keys)
            if (Array.IndexOf(names, key) < 0) throw new ChatTemplateException($"{callee}: unexpected keyword argument '{key}'");
        return this;
    }
}
