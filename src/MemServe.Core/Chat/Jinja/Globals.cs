namespace MemServe.Chat.Jinja;

/// <summary>
/// The global functions templates may call: Jinja's <c>range</c>, <c>namespace</c>, <c>dict</c>, and Hugging Face's
/// <c>raise_exception(message)</c> and <c>strftime_now(format)</c> (local time from the injected clock).
/// </summary>
internal static class Globals
{
    public static Dictionary<string, object?> Create(TimeProvider clock) => new(StringComparer.Ordinal)
    {
        ["range"] = new JinjaFunction("range", (args, _) => Range(args)),
        ["namespace"] = new JinjaFunction("namespace", (args, kwargs) => Namespace(args, kwargs)),
        ["dict"] = new JinjaFunction("dict", (_, kwargs) => Values.FromHost(kwargs)),
        ["raise_exception"] = new JinjaFunction("raise_exception", (args, _) =>
            throw new ChatTemplateException(args.Count > 0 ? ValueFormatter.ToStr(args[0]) : "raise_exception called") { RaisedByTemplate = true }),
        ["strftime_now"] = new JinjaFunction("strftime_now", (args, _) =>
            Strftime.Format(clock.GetLocalNow(), args.Count > 0 && args[0] is string f ? f : throw new ChatTemplateException("strftime_now expects a format string"))),
    };

    private static List<object?> Range(IReadOnlyList<object?> args)
    {
        long start = 0, stop, step = 1;
        switch (args.Count)
        {
            case 1: stop = Values.AsLong(args[0]); break;
            case 2: start = Values.AsLong(args[0]); stop = Values.AsLong(args[1]); break;
            case 3: start = Values.AsLong(args[0]); stop = Values.AsLong(args[1]); step = Values.AsLong(args[2]); break;
            default: throw new ChatTemplateException($"range expects 1 to 3 arguments, got {args.Count}");
        }
        if (step == 0) throw new ChatTemplateException("range() arg 3 must not be zero");
        var items = new List<object?>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            if (items.Count >= 1_000_000) throw new ChatTemplateException("range is too long (over 1,000,000 items)");
            items.Add(i);
        }
        return items;
    }

    private static TemplateNamespace Namespace(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs)
    {
        var ns = new TemplateNamespace();
        foreach (object? arg in args)
        {
            if (arg is not OrderedDictionary<string, object?> dict) throw new ChatTemplateException("namespace() takes dicts and keyword arguments");
            foreach (var (key, value) in dict) ns.Attributes[key] = value;
        }
        foreach (var (key, value) in kwargs) ns.Attributes[key] = value;
        return ns;
    }
}
