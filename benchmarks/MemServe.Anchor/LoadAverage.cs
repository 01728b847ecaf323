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

    /// <summary>Waits until the 1-minute load average is at most <paramref name="maxLoad"/> or <paramref name="maxWaitSeconds"/>
    /// pass (checking every 5 s; the kernel updates it every 5 s); says so on <paramref name="progress"/> when it waited.</summary>
    public static void WaitBelow(double maxLoad, int maxWaitSeconds, TextWriter progress)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        double load = OneMinute();
        if (!(load > maxLoad)) return;
        progress.WriteLine(string.Format(CultureInfo.InvariantCulture, "load {0:F2} > {1:F2}: waiting up to {2} s", load, maxLoad, maxWaitSeconds));
        while (load > maxLoad && System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds < maxWaitSeconds)
        {
            Thread.Sleep(5000);
            load = OneMinute();
        }
        progress.WriteLine(string.Format(CultureInfo.InvariantCulture, "load {0:F2} after {1:F0} s", load, System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds));
    }
}
