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

    /// <summary>Fraction of all CPUs idle over <paramref name="seconds"/> (from <c>/proc/stat</c>; NaN where there is none).</summary>
    public static double IdleFraction(double seconds)
    {
        (long Idle, long Total)? Read()
        {
            try
            {
                string line = File.ReadLines("/proc/stat").First();
                long[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
                return (f[3] + f[4], f.Take(8).Sum()); // idle + iowait; user..steal
            }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
        }
        var before = Read();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        var after = Read();
        if (before is null || after is null || after.Value.Total == before.Value.Total) return double.NaN;
        return (double)(after.Value.Idle - before.Value.Idle) / (after.Value.Total - before.Value.Total);
    }

    /// <summary>Waits until the host has been at least <paramref name="idleFraction"/> idle for 3 s (other work
    /// comes in bursts; the load average lags them by a minute), or <paramref name="maxWaitSeconds"/> pass.</summary>
    public static void WaitQuiet(double idleFraction, int maxWaitSeconds, TextWriter progress)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        double idle = IdleFraction(3);
        if (!(idle < idleFraction)) return;
        while (idle < idleFraction && System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds < maxWaitSeconds) idle = IdleFraction(3);
        progress.WriteLine(string.Format(CultureInfo.InvariantCulture, "waited {0:F0} s for a quiet host (idle {1:P0} over 3 s)",
            System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds, idle));
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
