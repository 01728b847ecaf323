using System.Globalization;

namespace MemServe.Workload.Reporting;

/// <summary>The machine the numbers come from: cores, OS, and the 1-minute load average (from
/// <c>/proc/loadavg</c>; NaN where that file does not exist).</summary>
internal static class MachineLoad
{
    /// <summary>The current 1-minute load average.</summary>
    public static double OneMinute()
    {
        try
        {
            string text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.AsSpan(0, text.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return double.NaN;
        }
        catch (UnauthorizedAccessException)
        {
            return double.NaN;
        }
    }

    /// <summary>One line describing the machine.</summary>
    public static string Describe() =>
        $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
}
