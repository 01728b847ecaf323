using System.Collections;
using System.Text.Json;

namespace MemServe.Chat.Jinja;

/// <summary>
/// The template value model and its Python semantics. Values are: null (<c>none</c>), <see cref="bool"/>,
/// <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <c>List&lt;object?&gt;</c> (lists and tuples),
/// <c>OrderedDictionary&lt;string, object?&gt;</c> (dicts, insertion-ordered like Python's), <see cref="Undefined"/>,
/// <see cref="TemplateNamespace"/>, <see cref="LoopContext"/> and <see cref="JinjaFunction"/>.
/// </summary>
internal static class Values
{
    /// <summary>Python truthiness; undefined is falsy.</summary>
    public static bool IsTruthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        OrderedDictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>The Python type name, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        TupleValue => "tuple",
        List<object?> => "list",
        OrderedDictionary<string, object?> => "dict",
        Undefined => "Undefined",
        TemplateNamespace => "Namespace",
        LoopContext => "LoopContext",
        JinjaFunction => "function",
        _ => value.GetType().Name,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static bool IsInteger(object? value) => value is long or bool;

    public static double AsDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new ChatTemplateException($"expected a number, got '{TypeName(value)}'"),
    };

    public static long AsLong(object? value) => value switch
    {
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new ChatTemplateException($"expected an integer, got '{TypeName(value)}'"),
    };

    /// <summary>Python <c>==</c>; undefined equals only undefined.</summary>
    public static bool AreEqual(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b)) return IsInteger(a) && IsInteger(b) ? AsLong(a) == AsLong(b) : AsDouble(a) == AsDouble(b);
        switch (a)
        {
            case string s: return b is string t && s == t;
            case Undefined: return b is Undefined;
            case List<object?> x when b is List<object?> y:
                if (x.Count != y.Count || (x is TupleValue) != (b is TupleValue)) return false;
                if (x.Count != y.Count) return false;
                for (int i = 0; i < x.Count; i++)
                    if (!AreEqual(x[i], y[i])) return false;
                return true;
            case OrderedDictionary<string, object?> x when b is OrderedDictionary<string, object?> y:
                if (x.Count != y.Count) return false;
                foreach (var (key, value) in x)
                    if (!y.TryGetValue(key, out object? other) || !AreEqual(value, other)) return false;
                return true;
            default: return ReferenceEquals(a, b);
        }
    }

    /// <summary>Python ordering for <c>&lt; &lt;= &gt; &gt;=</c>: numbers, strings (ordinal) and lists.</summary>
    public static int Compare(object? a, object? b, string op)
    {
        if (IsNumber(a) && IsNumber(b)) return IsInteger(a) && IsInteger(b) ? AsLong(a).CompareTo(AsLong(b)) : AsDouble(a).CompareTo(AsDouble(b));
        if (a is string s && b is string t) return string.CompareOrdinal(s, t);
        if (a is List<object?> x && b is List<object?> y)
        {
            for (int i = 0; i < Math.Min(x.Count, y.Count); i++)
                if (!AreEqual(x[i], y[i])) return Compare(x[i], y[i], op);
            return x.Count.CompareTo(y.Count);
        }
        if (a is Undefined u) throw new ChatTemplateException(u.Description);
        if (b is Undefined v) throw new ChatTemplateException(v.Description);
        throw new ChatTemplateException($"'{op}' not supported between instances of '{TypeName(a)}' and '{TypeName(b)}'");
    }

    /// <summary>The items a for loop or a sequence filter walks: a list, a dict's keys, a string's characters; undefined is empty.</summary>
    public static List<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        OrderedDictionary<string, object?> dict => [.. dict.Keys],
        string s => Characters(s),
        Undefined => [],
        _ => throw new ChatTemplateException($"'{TypeName(value)}' object is not iterable"),
    };

    public static List<object?> Characters(string s)
    {
        var chars = new List<object?>(s.Length);
        for (int i = 0; i < s.Length; i++)
            chars.Add(char.IsHighSurrogate(s[i]) && i + 1 < s.Length ? s.Substring(i++, 2) : s[i].ToString());
        return chars;
    }

    /// <summary>Python <c>len</c>; undefined has length 0.</summary>
    public static long Length(object? value) => value switch
    {
        string s => s.Length,
        List<object?> list => list.Count,
        OrderedDictionary<string, object?> dict => dict.Count,
        Undefined => 0,
        _ => throw new ChatTemplateException($"object of type '{TypeName(value)}' has no len()"),
    };

    /// <summary>Converts a value handed in by the host (variables, message extras) into the template value model.</summary>
    public static object? FromHost(object? value) => value switch
    {
        null or string or bool or long or double => value,
        int or short or byte or sbyte or ushort or uint => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture),
        ulong u => u <= long.MaxValue ? (long)u : (double)u,
        float f => (double)f,
        decimal m => (double)m,
        char c => c.ToString(),
        ChatMessage message => FromMessage(message),
        JsonElement element => FromJson(element),
        JsonDocument document => FromJson(document.RootElement),
        System.Text.Json.Nodes.JsonNode node => FromJson(JsonDocument.Parse(node.ToJsonString()).RootElement),
        List<object?> or OrderedDictionary<string, object?> or Undefined or TemplateNamespace or JinjaFunction => value,
        IEnumerable<KeyValuePair<string, object?>> pairs => ToDict(pairs),
        IDictionary dict => ToDict(dict.Keys.Cast<object>().Select(k => new KeyValuePair<string, object?>(k.ToString() ?? "", dict[k]))),
        IEnumerable items => items.Cast<object?>().Select(FromHost).ToList(),
        _ => value.ToString(),
    };

    /// <summary>A message as the template sees it: a dict with role, content (none when null) and the extra keys.</summary>
    public static OrderedDictionary<string, object?> FromMessage(ChatMessage message)
    {
        var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["role"] = message.Role,
            ["content"] = message.Content,
        };
        if (message.Extra is not null)
            foreach (var (key, value) in message.Extra) dict[key] = FromHost(value);
        return dict;
    }

    private static OrderedDictionary<string, object?> ToDict(IEnumerable<KeyValuePair<string, object?>> pairs)
    {
        var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in pairs) dict[key] = FromHost(value);
        return dict;
    }

    private static object? FromJson(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String: return element.GetString();
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Number: return element.TryGetInt64(out long l) ? l : element.GetDouble();
            case JsonValueKind.Array: return element.EnumerateArray().Select(FromJson).ToList();
            case JsonValueKind.Object:
                var dict = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
                foreach (JsonProperty p in element.EnumerateObject()) dict[p.Name] = FromJson(p.Value);
                return dict;
            default: return null;
        }
    }
}
