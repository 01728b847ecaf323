using System.Globalization;
using System.Text;

namespace MemServe.Chat.Jinja;

/// <summary>Python's <c>datetime.strftime</c> for the directives chat templates use (Llama 3.x prints "26 Jul 2024").</summary>
internal static class Strftime
{
    public static string Format(DateTimeOffset time, string format)
    {
        var text = new StringBuilder();
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%' || i + 1 >= format.Length)
            {
                text.Append(c);
                continue;
            }
            char d = format[++i];
            bool noPad = d == '-' && i + 1 < format.Length;
            if (noPad) d = format[++i];
            text.Append(Directive(time, d, noPad));
        }
        return text.ToString();
    }

    private static string Directive(DateTimeOffset t, char directive, bool noPad)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        string Num(int value, int width) => noPad ? value.ToString(inv) : value.ToString(new string('0', width), inv);
        int hour12 = t.Hour % 12 == 0 ? 12 : t.Hour % 12;
        return directive switch
        {
            'd' => Num(t.Day, 2),
            'm' => Num(t.Month, 2),
            'Y' => t.Year.ToString(inv),
            'y' => Num(t.Year % 100, 2),
            'H' => Num(t.Hour, 2),
            'I' => Num(hour12, 2),
            'M' => Num(t.Minute, 2),
            'S' => Num(t.Second, 2),
            'f' => (t.Ticks % TimeSpan.TicksPerSecond / 10).ToString("000000", inv),
            'j' => Num(t.DayOfYear, 3),
            'p' => t.Hour < 12 ? "AM" : "PM",
            'b' or 'h' => inv.DateTimeFormat.GetAbbreviatedMonthName(t.Month),
            'B' => inv.DateTimeFormat.GetMonthName(t.Month),
            'a' => inv.DateTimeFormat.GetAbbreviatedDayName(t.DayOfWeek),
            'A' => inv.DateTimeFormat.GetDayName(t.DayOfWeek),
            'w' => ((int)t.DayOfWeek).ToString(inv),
            'z' => (t.Offset < TimeSpan.Zero ? "-" : "+") + t.Offset.ToString("hhmm", inv),
            'F' => t.ToString("yyyy-MM-dd", inv),
            'T' => t.ToString("HH:mm:ss", inv),
            '%' => "%",
            _ => "%" + directive,
        };
    }
}
