using System.Globalization;
using System.Net;

namespace MemServe.Chat.Jinja;

/// <summary>
/// The filters of <c>value | name(args)</c>. Names are checked at parse time (<see cref="IsKnown"/>); string filters
/// treat undefined as the empty string, sequence filters treat it as empty, as Jinja does.
/// </summary>
internal static class Filters
{
    private delegate object? Filter(object? value, CallArguments args);

    private static readonly Dictionary<string, Filter> s_filters = new(StringComparer.Ordinal)
    {
        ["trim"] = (v, a) => StringMethods.Strip(Str(v), a.Allow(1, "chars").GetString(0, "chars"), start: true, end: true),
        ["tojson"] = ToJson,
        ["length"] = (v, _) => Values.Length(v),
        ["count"] = (v, _) => Values.Length(v),
        ["upper"] = (v, _) => Str(v).ToUpperInvariant(),
        ["lower"] = (v, _) => Str(v).ToLowerInvariant(),
        ["title"] = (v, _) => StringMethods.Title(Str(v)),
        ["capitalize"] = (v, _) => StringMethods.Capitalize(Str(v)),
        ["replace"] = (v, a) => StringMethods.Replace(Str(v), Str(a.Required(0, "old")), Str(a.Required(1, "new")),
            a.Get(2, "count") is null ? -1 : Values.AsLong(a.Get(2, "count"))),
        ["join"] = (v, a) => string.Join(Str(a.Get(0, "d", "")), Mapped(v, a.GetString(1, "attribute")).Select(ValueFormatter.ToStr)),
        ["first"] = (v, _) => Values.Iterate(v) is { Count: > 0 } items ? items[0] : new Undefined("first of an empty sequence"),
        ["last"] = (v, _) => Values.Iterate(v) is { Count: > 0 } items ? items[^1] : new Undefined("last of an empty sequence"),
        ["default"] = Default,
        ["d"] = Default,
        ["list"] = (v, _) => new List<object?>(Values.Iterate(v)),
        ["items"] = (v, _) => v is OrderedDictionary<string, object?> dict
            ? dict.Select(p => (object?)new TupleValue { p.Key, p.Value }).ToList()
            : v is Undefined ? [] : throw new ChatTemplateException($"items filter expects a mapping, got '{Values.TypeName(v)}'"),
        ["string"] = (v, _) => ValueFormatter.ToStr(v),
        ["int"] = ToInt,
        ["float"] = (v, a) => v switch
        {
            double d => d,
            long or bool => Values.AsDouble(v),
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
            _ => a.Get(0, "default", 0.0),
        },
        ["map"] = Map,
        ["selectattr"] = (v, a) => Select(v, a, byAttribute: true, keep: true),
        ["rejectattr"] = (v, a) => Select(v, a, byAttribute: true, keep: false),
        ["select"] = (v, a) => Select(v, a, byAttribute: false, keep: true),
        ["reject"] = (v, a) => Select(v, a, byAttribute: false, keep: false),
        ["reverse"] = (v, _) => v is string s ? new string(s.Reverse().ToArray()) : Enumerable.Reverse(Values.Iterate(v)).ToList(),
        ["safe"] = (v, _) => v,
        ["escape"] = (v, _) => WebUtility.HtmlEncode(Str(v)),
        ["e"] = (v, _) => WebUtility.HtmlEncode(Str(v)),
        ["abs"] = (v, _) => v is double d ? Math.Abs(d) : (object)Math.Abs(Values.AsLong(v)),
        ["unique"] = (v, _) => Values.Iterate(v).Aggregate(new List<object?>(), (acc, x) =>
        {
            if (!acc.Any(y => Values.AreEqual(x, y))) acc.Add(x);
            return acc;
        }),
        ["sort"] = Sort,
        ["min"] = (v, _) => Values.Iterate(v).Aggregate((x, y) => Values.Compare(y, x, "<") < 0 ? y : x),
        ["max"] = (v, _) => Values.Iterate(v).Aggregate((x, y) => Values.Compare(y, x, ">") > 0 ? y : x),
        ["indent"] = Indent,
        ["wordcount"] = (v, _) => (long)Str(v).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length,
    };

    public static bool IsKnown(string name) => s_filters.ContainsKey(name);

    public static object? Apply(string name, object? value, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs) =>
        s_filters.TryGetValue(name, out Filter? filter)
            ? filter(value, new CallArguments($"filter '{name}'", args, kwargs))
            : throw new ChatTemplateException($"unknown filter '{name}'");

    private static string Str(object? value) => ValueFormatter.ToStr(value);

    private static object? ToJson(object? value, CallArguments a)
    {
        a.Allow(1, "indent", "sort_keys", "separators", "ensure_ascii");
        object? indentArg = a.Get(0, "indent");
        int? indent = indentArg is null ? null : (int)Values.AsLong(indentArg);
        string itemSep = indent is null ? ", " : ",", keySep = ": ";
        if (a.Get(-1, "separators") is List<object?> { Count: 2 } seps)
        {
            itemSep = Str(seps[0]);
            keySep = Str(seps[1]);
        }
        return PythonJson.Serialize(value, indent, itemSep, keySep, a.GetBool(-1, "sort_keys"));
    }

    private static object? Default(object? value, CallArguments a)
    {
        bool boolean = a.GetBool(1, "boolean");
        bool useDefault = value is Undefined || (boolean && !Values.IsTruthy(value));
        return useDefault ? a.Get(0, "default_value", "") : value;
    }

    private static object? ToInt(object? value, CallArguments a)
    {
        object? fallback = a.Get(0, "default", 0L);
        return value switch
        {
            long or bool => Values.AsLong(value),
            double d => (long)Math.Truncate(d),
            string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l) => l,
            string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => (long)Math.Truncate(d),
            _ => fallback,
        };
    }

    /// <summary>Items of <paramref name="value"/>, or their <paramref name="attribute"/> (a dotted path) when given.</summary>
    private static IEnumerable<object?> Mapped(object? value, string? attribute) =>
        attribute is null ? Values.Iterate(value) : Values.Iterate(value).Select(item => Lookup(item, attribute));

    /// <summary>Jinja's attribute getter: <c>a.b.0</c> walks keys and indexes.</summary>
    private static object? Lookup(object? item, string path)
    {
        foreach (string part in path.Split('.'))
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out long index)
                ? MemberAccess.GetItem(item, index)
                : MemberAccess.GetItem(item, part);
        return item;
    }

    private static object? Map(object? value, CallArguments a)
    {
        if (a.Keyword.ContainsKey("attribute"))
        {
            string path = a.GetString(-1, "attribute")!;
            object? fallback = a.Keyword.GetValueOrDefault("default");
            return Values.Iterate(value).Select(item =>
            {
                object? v = Lookup(item, path);
                return v is Undefined && a.Keyword.ContainsKey("default") ? fallback : v;
            }).ToList();
        }
        string filter = a.GetString(0, "filter") ?? throw new ChatTemplateException("filter 'map': give a filter name or attribute=");
        var rest = a.Positional.Skip(1).ToList();
        return Values.Iterate(value).Select(item => Apply(filter, item, rest, a.Keyword)).ToList();
    }

    private static List<object?> Select(object? value, CallArguments a, bool byAttribute, bool keep)
    {
        int offset = byAttribute ? 1 : 0;
        string? attribute = byAttribute ? a.GetString(0, "attribute") : null;
        string? test = a.Positional.Count > offset ? a.Positional[offset] as string : null;
        var testArgs = new CallArguments($"test '{test}'", a.Positional.Skip(offset + 1).ToList(), CallArguments.NoKeywords);
        var kept = new List<object?>();
        foreach (object? item in Values.Iterate(value))
        {
            object? subject = attribute is null ? item : Lookup(item, attribute);
            bool passes = test is null ? Values.IsTruthy(subject) : Tests.Apply(test, subject, testArgs);
            if (passes == keep) kept.Add(item);
        }
        return kept;
    }

    private static object? Sort(object? value, CallArguments a)
    {
        a.Allow(3, "reverse", "case_sensitive", "attribute");
        bool reverse = a.GetBool(0, "reverse"), caseSensitive = a.GetBool(1, "case_sensitive");
        string? attribute = a.GetString(2, "attribute");
        object? Key(object? item)
        {
            object? k = attribute is null ? item : Lookup(item, attribute);
            return !caseSensitive && k is string s ? s.ToLowerInvariant() : k;
        }
        var items = new List<object?>(Values.Iterate(value));
        var sorted = items.Select((item, i) => (item, i)).ToList();
        sorted.Sort((x, y) => Values.Compare(Key(x.item), Key(y.item), "<") is var c && c != 0 ? c : x.i.CompareTo(y.i));
        if (reverse) sorted.Reverse();
        return sorted.Select(p => p.item).ToList();
    }

    private static object? Indent(object? value, CallArguments a)
    {
        object? width = a.Get(0, "width", 4L);
        string pad = width is string w ? w : new string(' ', (int)Values.AsLong(width));
        bool first = a.GetBool(1, "first"), blank = a.GetBool(2, "blank");
        string[] lines = Str(value).Split('\n');
        for (int i = 0; i < lines.Length; i++)
            if ((i > 0 || first) && (blank || lines[i].Trim().Length > 0)) lines[i] = pad + lines[i];
        return string.Join('\n', lines);
    }
}
