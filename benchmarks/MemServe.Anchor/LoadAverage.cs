using System.Globalization;

namespace MemServe.Anchor;

/// <summary>The host's 1-minute load average from <c>/proc/loadavg</c> (NaN where there is none).</summary>
internal static class LoadAverage
{
    public static double OneMinute()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        catch (IOException) { return double.NaN; }
        catch (UnauthorizedAccessException) { return double.NaN; }
    }
}
