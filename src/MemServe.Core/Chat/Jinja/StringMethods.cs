using System.Text;

namespace MemServe.Chat.Jinja;

/// <summary>The Python <c>str</c> methods templates call: <c>s.startswith('x')</c>, <c>s.split('x')[-1]</c> and so on.</summary>
internal static class StringMethods
{
    /// <summary>The method <paramref name="name"/> bound to <paramref name="s"/>, or null when str has no such method here.</summary>
    public static JinjaFunction? Bind(string s, string name)
    {
        Func<IReadOnlyList<object?>, object?>? body = name switch
        {
            "startswith" => args => Affix(s, Arg(args, 0, name), s.StartsWith),
            "endswith" => args => Affix(s, Arg(args, 0, name), s.EndsWith),
            "strip" => args => Strip(s, OptionalString(args, name), start: true, end: true),
            "lstrip" => args => Strip(s, OptionalString(args, name), start: true, end: false),
            "rstrip" => args => Strip(s, OptionalString(args, name), start: false, end: true),
            "split" => args => Split(s, OptionalString(args, name), args.Count > 1 ? Values.AsLong(args[1]) : -1),
            "upper" => _ => s.ToUpperInvariant(),
            "lower" => _ => s.ToLowerInvariant(),
            "title" => _ => Title(s),
            "capitalize" => _ => Capitalize(s),
            "replace" => args => args.Count >= 2 && args[0] is string old && args[1] is string replacement
                ? Replace(s, old, replacement, args.Count > 2 ? Values.AsLong(args[2]) : -1)
                : throw new ChatTemplateException("str.replace takes two strings and an optional count"),
            "find" => args => (long)s.IndexOf(StringArg(args, 0, name), StringComparison.Ordinal),
            "count" => args => CountOccurrences(s, StringArg(args, 0, name)),
            "join" => args => string.Join(s, Values.Iterate(Arg(args, 0, name)).Select(ValueFormatter.ToStr)),
            "splitlines" => _ => s.ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Select(x => (object?)x).ToList(),
            "isdigit" => _ => s.Length > 0 && s.All(char.IsDigit),
            "isspace" => _ => s.Length > 0 && s.All(char.IsWhiteSpace),
            _ => null,
        };
        return body is null ? null : new JinjaFunction("str." + name, (args, _) => body(args));
    }

    public static string Strip(string s, string? chars, bool start, bool end)
    {
        Func<char, bool> strip = chars is null ? char.IsWhiteSpace : c => chars.Contains(c, StringComparison.Ordinal);
        int from = 0, to = s.Length;
        if (start) while (from < to && strip(s[from])) from++;
        if (end) while (to > from && strip(s[to - 1])) to--;
        return s[from..to];
    }

    public static string Title(string s)
    {
        var text = new StringBuilder(s.Length);
        bool wordStart = true;
        foreach (char c in s)
        {
            text.Append(wordStart ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            wordStart = char.IsWhiteSpace(c) || c is '-' or '(' or '{' or '[' or '<';
        }
        return text.ToString();
    }

    public static string Capitalize(string s) =>
        s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    public static string Replace(string s, string old, string replacement, long count)
    {
        if (count < 0) return old.Length == 0 ? s : s.Replace(old, replacement, StringComparison.Ordinal);
        var text = new StringBuilder();
        int pos = 0;
        for (long n = 0; n < count; n++)
        {
            int at = s.IndexOf(old, pos, StringComparison.Ordinal);
            if (at < 0 || old.Length == 0) break;
            text.Append(s, pos, at - pos).Append(replacement);
            pos = at + old.Length;
        }
        return text.Append(s, pos, s.Length - pos).ToString();
    }

    private static List<object?> Split(string s, string? separator, long maxSplit)
    {
        if (separator is null)
        {
            string[] words = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return [.. words];
        }
        if (separator.Length == 0) throw new ChatTemplateException("str.split: empty separator");
        string[] parts = maxSplit < 0 ? s.Split(separator) : s.Split(separator, (int)Math.Min(maxSplit + 1, int.MaxValue));
        return [.. parts];
    }

    private static bool Affix(string s, object? affix, Func<string, StringComparison, bool> test) => affix switch
    {
        string a => test(a, StringComparison.Ordinal),
        List<object?> options => options.Any(o => o is string a && test(a, StringComparison.Ordinal)),
        _ => throw new ChatTemplateException($"startswith/endswith expects a string or a tuple of strings, got '{Values.TypeName(affix)}'"),
    };

    private static long CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0) return s.Length + 1;
        long n = 0;
        for (int at = s.IndexOf(sub, StringComparison.Ordinal); at >= 0; at = s.IndexOf(sub, at + sub.Length, StringComparison.Ordinal)) n++;
        return n;
    }

    private static object? Arg(IReadOnlyList<object?> args, int index, string method) =>
        index < args.Count ? args[index] : throw new ChatTemplateException($"str.{method} is missing argument {index + 1}");

    private static string StringArg(IReadOnlyList<object?> args, int index, string method) =>
        Arg(args, index, method) as string ?? throw new ChatTemplateException($"str.{method} expects a string argument");

    private static string? OptionalString(IReadOnlyList<object?> args, string method) =>
        args.Count == 0 || args[0] is null ? null : args[0] as string ?? throw new ChatTemplateException($"str.{method} expects a string or None");
}
