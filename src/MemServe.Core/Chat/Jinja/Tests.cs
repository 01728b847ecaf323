namespace MemServe.Chat.Jinja;

/// <summary>The tests of <c>x is name</c>, with Jinja's meanings (<c>number</c> includes booleans as in Python).</summary>
internal static class Tests
{
    private static readonly Dictionary<string, Func<object?, CallArguments, bool>> s_tests = new(StringComparer.Ordinal)
    {
        ["defined"] = (v, _) => v is not Undefined,
        ["undefined"] = (v, _) => v is Undefined,
        ["none"] = (v, _) => v is null,
        ["string"] = (v, _) => v is string,
        ["number"] = (v, _) => Values.IsNumber(v),
        ["integer"] = (v, _) => v is long,
        ["float"] = (v, _) => v is double,
        ["boolean"] = (v, _) => v is bool,
        ["true"] = (v, _) => v is true,
        ["false"] = (v, _) => v is false,
        ["mapping"] = (v, _) => v is OrderedDictionary<string, object?>,
        ["iterable"] = (v, _) => v is string or List<object?> or OrderedDictionary<string, object?> or Undefined,
        ["sequence"] = (v, _) => v is string or List<object?> or OrderedDictionary<string, object?>,
        ["callable"] = (v, _) => v is JinjaFunction,
        ["lower"] = (v, _) => v is string s && s == s.ToLowerInvariant(),
        ["upper"] = (v, _) => v is string s && s == s.ToUpperInvariant(),
        ["odd"] = (v, _) => Values.AsLong(v) % 2 != 0,
        ["even"] = (v, _) => Values.AsLong(v) % 2 == 0,
        ["divisibleby"] = (v, a) => Values.AsLong(v) % Values.AsLong(a.Required(0, "num")) == 0,
        ["eq"] = (v, a) => Values.AreEqual(v, a.Required(0, "other")),
        ["ne"] = (v, a) => !Values.AreEqual(v, a.Required(0, "other")),
        ["lt"] = (v, a) => Values.Compare(v, a.Required(0, "other"), "<") < 0,
        ["le"] = (v, a) => Values.Compare(v, a.Required(0, "other"), "<=") <= 0,
        ["gt"] = (v, a) => Values.Compare(v, a.Required(0, "other"), ">") > 0,
        ["ge"] = (v, a) => Values.Compare(v, a.Required(0, "other"), ">=") >= 0,
        ["in"] = (v, a) => Operators.Contains(a.Required(0, "seq"), v),
        ["sameas"] = (v, a) => SameAs(v, a.Required(0, "other")),
    };

    private static readonly Dictionary<string, string> s_aliases = new(StringComparer.Ordinal)
    {
        ["equalto"] = "eq", ["=="] = "eq", ["!="] = "ne", ["lessthan"] = "lt", ["<"] = "lt", ["<="] = "le",
        ["greaterthan"] = "gt", [">"] = "gt", [">="] = "ge",
    };

    public static bool IsKnown(string name) => s_tests.ContainsKey(name) || s_aliases.ContainsKey(name);

    public static bool Apply(string name, object? value, CallArguments args)
    {
        if (s_aliases.TryGetValue(name, out string? canonical)) name = canonical;
        return s_tests.TryGetValue(name, out var test) ? test(value, args) : throw new ChatTemplateException($"unknown test '{name}'");
    }

    private static bool SameAs(object? a, object? b) => a switch
    {
        null => b is null,
        bool x => b is bool y && x == y,
        long or double or string => Values.AreEqual(a, b) && a.GetType() == b?.GetType(),
        _ => ReferenceEquals(a, b),
    };
}
