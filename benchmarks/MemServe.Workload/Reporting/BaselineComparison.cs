using System.Globalization;
using System.Text.Json;

namespace MemServe.Workload.Reporting;

/// <summary>
/// Compares this invocation's runs with the same (matrix, setup, workload) cells of an earlier JSON report
/// (<c>--json</c>): mean and P99 TTFT, mean JCT and hit rate, earlier → now with the relative change. Cells
/// missing from the baseline are listed as "new".
/// </summary>
internal static class BaselineComparison
{
    private static readonly string[] Header =
        ["matrix", "workload", "setup", "TTFT mean ms", "TTFT P99 ms", "JCT mean ms", "hit rate", "load then / now"];

    /// <summary>The comparison table of <paramref name="entries"/> against the report at <paramref name="path"/>.</summary>
    public static string Table(string path, IReadOnlyList<RunEntry> entries)
    {
        var baseline = new Dictionary<(string, string, string), JsonElement>();
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        foreach (JsonElement run in document.RootElement.GetProperty("runs").EnumerateArray())
            baseline[(run.GetProperty("matrix").GetString()!, run.GetProperty("setup").GetString()!, run.GetProperty("workload").GetString()!)] = run;

        var rows = new List<string[]>();
        foreach (RunEntry entry in entries)
        {
            if (!baseline.TryGetValue((entry.Matrix, entry.Setup, entry.Workload), out JsonElement then))
            {
                rows.Add([entry.Matrix, entry.Workload, entry.Setup, "new", "", "", "", ""]);
                continue;
            }
            JsonElement metrics = then.GetProperty("metrics");
            rows.Add(
            [
                entry.Matrix, entry.Workload, entry.Setup,
                Change(Ms(metrics, "time_to_first_token", "mean_ms"), entry.Metrics.TimeToFirstToken.MeanMs),
                Change(Ms(metrics, "time_to_first_token", "p99_ms"), entry.Metrics.TimeToFirstToken.P99Ms),
                Change(Ms(metrics, "completion_time", "mean_ms"), entry.Metrics.CompletionTime.MeanMs),
                Invariant($"{metrics.GetProperty("hit_rate").GetDouble():0.0%} → {entry.Metrics.HitRate:0.0%}"),
                Invariant($"{then.GetProperty("load_before").GetDouble():0.0} / {entry.LoadBefore:0.0}"),
            ]);
        }
        return MarkdownReport.Render(Header, rows, textColumns: 3);
    }

    private static double Ms(JsonElement metrics, string latency, string statistic) =>
        metrics.GetProperty(latency).GetProperty(statistic).GetDouble();

    private static string Change(double then, double now) =>
        then > 0 ? Invariant($"{then:0} → {now:0} ({(now - then) / then:+0%;-0%;0%})") : Invariant($"{then:0} → {now:0}");

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
