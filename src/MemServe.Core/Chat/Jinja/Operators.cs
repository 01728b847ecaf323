using System.Text;

namespace MemServe.Chat.Jinja;

/// <summary>Python arithmetic on template values: <c>+ - * / // % **</c>, <c>~</c>, unary minus, and <c>in</c>.</summary>
internal static class Operators
{
    public static object? Binary(string op, object? a, object? b)
    {
        if (op == "~") return ValueFormatter.ToStr(a) + ValueFormatter.ToStr(b);
        if (a is Undefined ua) throw new ChatTemplateException(ua.Description);
        if (b is Undefined ub) throw new ChatTemplateException(ub.Description);
        if (Values.IsNumber(a) && Values.IsNumber(b)) return Arithmetic(op, a, b);
        switch (op)
        {
            case "+" when a is string s && b is string t: return s + t;
            case "+" when a is List<object?> x && b is List<object?> y: return new List<object?>([.. x, .. y]);
            case "*" when a is string s && Values.IsInteger(b): return Repeat(s, Values.AsLong(b));
            case "*" when Values.IsInteger(a) && b is string t: return Repeat(t, Values.AsLong(a));
            case "*" when a is List<object?> x && Values.IsInteger(b): return RepeatList(x, Values.AsLong(b));
        }
        if (op == "+" && a is string) throw new ChatTemplateException($"can only concatenate str (not \"{Values.TypeName(b)}\") to str");
        throw new ChatTemplateException($"unsupported operand type(s) for {op}: '{Values.TypeName(a)}' and '{Values.TypeName(b)}'");
    }

    public static object? Negate(object? value) => value switch
    {
        long l => (object?)(-l),
        double d => -d,
        bool b => b ? -1L : 0L,
        Undefined u => throw new ChatTemplateException(u.Description),
        _ => throw new ChatTemplateException($"bad operand type for unary -: '{Values.TypeName(value)}'"),
    };

    /// <summary>Python <c>needle in haystack</c>: substring, list membership, dict key; undefined contains nothing.</summary>
    public static bool Contains(object? haystack, object? needle)
    {
        switch (haystack)
        {
            case string s when needle is string t: return s.Contains(t, StringComparison.Ordinal);
            case string: throw new ChatTemplateException($"'in <string>' requires string as left operand, not {Values.TypeName(needle)}");
            case List<object?> list:
                foreach (object? item in list)
                    if (Values.AreEqual(item, needle)) return true;
                return false;
            case OrderedDictionary<string, object?> dict: return needle is string key && dict.ContainsKey(key);
            case Undefined: return false;
            default: throw new ChatTemplateException($"argument of type '{Values.TypeName(haystack)}' is not iterable");
        }
    }

    private static object Arithmetic(string op, object? a, object? b)
    {
        bool integers = Values.IsInteger(a) && Values.IsInteger(b);
        if (integers)
        {
            long x = Values.AsLong(a), y = Values.AsLong(b);
            switch (op)
            {
                case "+": return x + y;
                case "-": return x - y;
                case "*": return x * y;
                case "/": return y == 0 ? throw DivisionByZero() : (double)x / y;
                case "//": return y == 0 ? throw DivisionByZero() : FloorDiv(x, y);
                case "%": return y == 0 ? throw DivisionByZero() : x - (y * FloorDiv(x, y));
                case "**": return y >= 0 ? (object)(long)Math.Pow(x, y) : Math.Pow(x, y);
            }
        }
        double p = Values.AsDouble(a), q = Values.AsDouble(b);
        return op switch
        {
            "+" => p + q,
            "-" => p - q,
            "*" => p * q,
            "/" => q == 0 ? throw DivisionByZero() : p / q,
            "//" => q == 0 ? throw DivisionByZero() : Math.Floor(p / q),
            "%" => q == 0 ? throw DivisionByZero() : p - (q * Math.Floor(p / q)),
            "**" => Math.Pow(p, q),
            _ => throw new ChatTemplateException($"unknown operator '{op}'"),
        };
    }

    private static long FloorDiv(long x, long y)
    {
        long quotient = x / y;
        return (x % y != 0) && ((x < 0) != (y < 0)) ? quotient - 1 : quotient;
    }

    private static ChatTemplateException DivisionByZero() => new("division by zero");

    private static string Repeat(string s, long times)
    {
        var text = new StringBuilder();
        for (long i = 0; i < times; i++) text.Append(s);
        return text.ToString();
    }

    private static List<object?> RepeatList(List<object?> list, long times)
    {
        var result = new List<object?>();
        for (long i = 0; i < times; i++) result.AddRange(list);
        return result;
    }
}
