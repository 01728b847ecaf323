namespace MemServe.Chat.Jinja;

/// <summary>
/// <c>obj.name</c>, <c>obj[key]</c> and <c>obj[a:b:c]</c> with Jinja's rules: attribute access tries methods
/// (string and dict methods) before dict keys, item access tries keys first; a missing key, attribute or index
/// yields <see cref="Undefined"/>, while reading anything from an undefined value fails.
/// </summary>
internal static class MemberAccess
{
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case Undefined u: throw new ChatTemplateException($"{u.Description}; cannot read attribute '{name}'");
            case OrderedDictionary<string, object?> dict:
                return (object?)DictMethod(dict, name) ?? (dict.TryGetValue(name, out object? value) ? value : new Undefined($"'dict object' has no attribute '{name}'"));
            case string s: return (object?)StringMethods.Bind(s, name) ?? new Undefined($"'str object' has no attribute '{name}'");
            case TemplateNamespace ns:
                return ns.Attributes.TryGetValue(name, out object? attribute) ? attribute : new Undefined($"'Namespace' has no attribute '{name}'");
            case LoopContext loop: return loop.GetAttribute(name);
            default: return new Undefined($"'{Values.TypeName(target)} object' has no attribute '{name}'");
        }
    }

    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case Undefined u: throw new ChatTemplateException($"{u.Description}; cannot read item {ValueFormatter.Repr(key)}");
            case OrderedDictionary<string, object?> dict:
                string k = key as string ?? ValueFormatter.ToStr(key);
                return dict.TryGetValue(k, out object? value) ? value : new Undefined($"'dict object' has no attribute {ValueFormatter.Repr(key)}");
            case List<object?> list when Values.IsInteger(key):
                long i = Values.AsLong(key);
                if (i < 0) i += list.Count;
                return i >= 0 && i < list.Count ? list[(int)i] : new Undefined($"list index {Values.AsLong(key)} out of range");
            case string s when Values.IsInteger(key):
                long j = Values.AsLong(key);
                if (j < 0) j += s.Length;
                return j >= 0 && j < s.Length ? s[(int)j].ToString() : new Undefined($"string index {Values.AsLong(key)} out of range");
            default:
                if (key is string name) return GetAttribute(target, name);
                return new Undefined($"'{Values.TypeName(target)} object' has no item {ValueFormatter.Repr(key)}");
        }
    }

    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        if (target is Undefined u) throw new ChatTemplateException($"{u.Description}; cannot slice it");
        long stepValue = step is null ? 1 : Values.AsLong(step);
        if (stepValue == 0) throw new ChatTemplateException("slice step cannot be zero");
        int length = target switch
        {
            List<object?> list => list.Count,
            string s => s.Length,
            _ => throw new ChatTemplateException($"'{Values.TypeName(target)}' object is not subscriptable"),
        };
        var indices = new List<int>();
        long from = Bound(start, length, stepValue, isStart: true);
        long to = Bound(stop, length, stepValue, isStart: false);
        for (long i = from; stepValue > 0 ? i < to : i > to; i += stepValue) indices.Add((int)i);
        if (target is string text) return string.Concat(indices.Select(i => text[i]));
        var source = (List<object?>)target;
        return indices.Select(i => source[i]).ToList();
    }

    /// <summary>Python's slice bound clamping.</summary>
    private static long Bound(object? value, int length, long step, bool isStart)
    {
        if (value is null) return step > 0 ? (isStart ? 0 : length) : (isStart ? length - 1 : -1);
        long v = Values.AsLong(value);
        if (v < 0) v += length;
        if (step > 0) return Math.Clamp(v, 0, length);
        return Math.Clamp(v, -1, length - 1);
    }

    private static JinjaFunction? DictMethod(OrderedDictionary<string, object?> dict, string name) => name switch
    {
        "items" => new JinjaFunction("dict.items", (_, _) => dict.Select(p => (object?)new TupleValue { p.Key, p.Value }).ToList()),
        "keys" => new JinjaFunction("dict.keys", (_, _) => dict.Keys.Select(k => (object?)k).ToList()),
        "values" => new JinjaFunction("dict.values", (_, _) => dict.Values.ToList()),
        "get" => new JinjaFunction("dict.get", (args, _) =>
        {
            if (args.Count is < 1 or > 2) throw new ChatTemplateException("dict.get takes a key and an optional default");
            return args[0] is string key && dict.TryGetValue(key, out object? v) ? v : args.Count > 1 ? args[1] : null;
        }),
        _ => null,
    };
}
