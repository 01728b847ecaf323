using System.Globalization;
using System.Text;

namespace MemServe.Chat.Jinja;

/// <summary>Python's <c>str()</c> and <c>repr()</c> of template values: what <c>{{ x }}</c> prints.</summary>
internal static class ValueFormatter
{
    /// <summary>Python <c>str(value)</c>; undefined prints as the empty string.</summary>
    public static string ToStr(object? value) => value switch
    {
        string s => s,
        Undefined => "",
        _ => Repr(value),
    };

    /// <summary>Python <c>repr(value)</c>, as lists and dicts print their items.</summary>
    public static string Repr(object? value)
    {
        var text = new StringBuilder();
        AppendRepr(text, value);
        return text.ToString();
    }

    /// <summary>Python's float repr: shortest round-trip digits, always with a '.0' or an exponent.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        if (d == Math.Floor(d) && Math.Abs(d) < 1e16) return d.ToString("F0", CultureInfo.InvariantCulture) + ".0";
        string r = d.ToString("R", CultureInfo.InvariantCulture);
        int e = r.IndexOf('E', StringComparison.Ordinal);
        if (e < 0) return r;
        string mantissa = r[..e];
        string exponent = r[(e + 1)..];
        char sign = exponent[0] == '-' ? '-' : '+';
        string digits = exponent.TrimStart('+', '-');
        return $"{mantissa}e{sign}{(digits.Length < 2 ? "0" + digits : digits)}";
    }

    private static void AppendRepr(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null: text.Append("None"); break;
            case bool b: text.Append(b ? "True" : "False"); break;
            case long l: text.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: text.Append(FormatFloat(d)); break;
            case string s: AppendStringRepr(text, s); break;
            case Undefined: text.Append(""); break;
            case TupleValue tuple:
                text.Append('(');
                for (int i = 0; i < tuple.Count; i++)
                {
                    if (i > 0) text.Append(", ");
                    AppendRepr(text, tuple[i]);
                }
                text.Append(tuple.Count == 1 ? ",)" : ")");
                break;
            case List<object?> list:
                text.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) text.Append(", ");
                    AppendRepr(text, list[i]);
                }
                text.Append(']');
                break;
            case OrderedDictionary<string, object?> dict:
                text.Append('{');
                bool first = true;
                foreach (var (key, item) in dict)
                {
                    if (!first) text.Append(", ");
                    first = false;
                    AppendStringRepr(text, key);
                    text.Append(": ");
                    AppendRepr(text, item);
                }
                text.Append('}');
                break;
            case TemplateNamespace: text.Append("<Namespace>"); break;
            case JinjaFunction f: text.Append("<function ").Append(f.Name).Append('>'); break;
            default: text.Append('<').Append(Values.TypeName(value)).Append('>'); break;
        }
    }

    private static void AppendStringRepr(StringBuilder text, string s)
    {
        char quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        text.Append(quote);
        foreach (char c in s)
        {
            switch (c)
            {
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c == quote) text.Append('\\').Append(c);
                    else if (c < 0x20 || c == 0x7f) text.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append(quote);
    }
}
