using System.Globalization;
using System.Text;

namespace MemServe.Chat.Jinja;

/// <summary>
/// The <c>tojson</c> filter as Hugging Face defines it: Python's
/// <c>json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)</c>.
/// Keys keep insertion order unless sorted; separators default to <c>", "</c> and <c>": "</c>
/// (<c>","</c> between items when indenting); non-ASCII text is written as is.
/// </summary>
internal static class PythonJson
{
    public static string Serialize(object? value, int? indent, string itemSeparator, string keySeparator, bool sortKeys)
    {
        var text = new StringBuilder();
        Write(text, value, indent, 0, itemSeparator, keySeparator, sortKeys);
        return text.ToString();
    }

    private static void Write(StringBuilder text, object? value, int? indent, int depth, string itemSep, string keySep, bool sortKeys)
    {
        switch (value)
        {
            case null: text.Append("null"); break;
            case bool b: text.Append(b ? "true" : "false"); break;
            case long l: text.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d:
                text.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : ValueFormatter.FormatFloat(d));
                break;
            case string s: WriteString(text, s); break;
            case List<object?> list:
                WriteContainer(text, '[', ']', list.Count, indent, depth, itemSep, i => Write(text, list[i], indent, depth + 1, itemSep, keySep, sortKeys));
                break;
            case OrderedDictionary<string, object?> dict:
                List<string> keys = [.. dict.Keys];
                if (sortKeys) keys.Sort(string.CompareOrdinal);
                WriteContainer(text, '{', '}', keys.Count, indent, depth, itemSep, i =>
                {
                    WriteString(text, keys[i]);
                    text.Append(keySep);
                    Write(text, dict[keys[i]], indent, depth + 1, itemSep, keySep, sortKeys);
                });
                break;
            case Undefined: throw new ChatTemplateException("Object of type Undefined is not JSON serializable");
            default: throw new ChatTemplateException($"Object of type {Values.TypeName(value)} is not JSON serializable");
        }
    }

    private static void WriteContainer(StringBuilder text, char open, char close, int count, int? indent, int depth, string itemSep, Action<int> writeItem)
    {
        text.Append(open);
        if (count == 0)
        {
            text.Append(close);
            return;
        }
        for (int i = 0; i < count; i++)
        {
            if (i > 0) text.Append(itemSep);
            if (indent is int n) text.Append('\n').Append(' ', n * (depth + 1));
            writeItem(i);
        }
        if (indent is int m) text.Append('\n').Append(' ', m * depth);
        text.Append(close);
    }

    private static void WriteString(StringBuilder text, string s)
    {
        text.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }
}
