using System.Globalization;
using System.Text;
using MemServe.Workload.Running;

namespace MemServe.Workload.Reporting;

/// <summary>
/// Renders runs as markdown tables, one per matrix, rows grouped by workload. Latencies are milliseconds as
/// mean / P50 / P99; "ΔTTFT" compares the mean TTFT with the first setup of the same matrix on the same workload.
/// The disaggregation table adds "D kept": the share of prompt tokens a decode instance already held and so did
/// not receive.
/// </summary>
internal static class MarkdownReport
{
    private static readonly string[] Header =
    [
        "workload", "setup", "req", "JCT ms mean / P50 / P99", "TTFT ms mean / P50 / P99", "ΔTTFT mean",
        "TPOT ms mean / P99", "out tok/s", "hit rate", "load",
    ];

    /// <summary>The table of <paramref name="matrix"/>'s runs (in the order given).</summary>
    public static string Table(string matrix, IReadOnlyList<RunEntry> entries)
    {
        bool kept = matrix == "disaggregation";
        var rows = new List<string[]>();
        var baseline = new Dictionary<string, double>();
        foreach (RunEntry entry in entries)
        {
            if (entry.Matrix != matrix) continue;
            RunMetrics m = entry.Metrics;
            double ttft = m.TimeToFirstToken.MeanMs;
            string delta = baseline.TryGetValue(entry.Workload, out double first) && first > 0
                ? Invariant($"{(ttft - first) / first:+0%;-0%;0%}")
                : "—";
            baseline.TryAdd(entry.Workload, ttft);
            string requests = m.Requests.ToString(CultureInfo.InvariantCulture)
                + (m.FailedRequests > 0 ? Invariant($" ({m.FailedRequests} failed)") : "")
                + (m.TimedOut ? " (timed out)" : "");
            string[] row =
            [
                entry.Workload, entry.Setup, requests, Triple(m.CompletionTime), Triple(m.TimeToFirstToken), delta,
                Invariant($"{m.TimePerOutputToken.MeanMs:0} / {m.TimePerOutputToken.P99Ms:0}"),
                Invariant($"{m.OutputTokensPerSecond:0.0}"), Invariant($"{m.HitRate:0.0%}"),
                Invariant($"{entry.LoadBefore:0.0}→{entry.LoadAfter:0.0}"),
            ];
            rows.Add(kept ? [.. row[..^1], Invariant($"{(m.PromptTokens == 0 ? 0 : (double)m.DecodeKeptTokens / m.PromptTokens):0.0%}"), row[^1]] : row);
        }
        return Render(kept ? [.. Header[..^1], "D kept", Header[^1]] : Header, rows);
    }

    /// <summary>A markdown table with <paramref name="header"/> and <paramref name="rows"/>, columns padded; the first
    /// <paramref name="textColumns"/> columns are left-aligned, the rest (numbers) right-aligned.</summary>
    public static string Render(IReadOnlyList<string> header, IReadOnlyList<string[]> rows, int textColumns = 2)
    {
        var widths = new int[header.Count];
        for (int c = 0; c < widths.Length; c++) widths[c] = header[c].Length;
        foreach (string[] row in rows)
            for (int c = 0; c < widths.Length; c++) widths[c] = Math.Max(widths[c], row[c].Length);
        var text = new StringBuilder();
        AppendRow(text, header, widths);
        text.Append('|');
        for (int c = 0; c < widths.Length; c++) text.Append(c >= textColumns ? new string('-', widths[c] + 1) + ":|" : new string('-', widths[c] + 2) + "|");
        text.AppendLine();
        foreach (string[] row in rows) AppendRow(text, row, widths);
        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, IReadOnlyList<string> cells, int[] widths)
    {
        text.Append('|');
        for (int c = 0; c < widths.Length; c++) text.Append(' ').Append(cells[c].PadRight(widths[c])).Append(" |");
        text.AppendLine();
    }

    private static string Triple(LatencySummary s) => Invariant($"{s.MeanMs:0} / {s.P50Ms:0} / {s.P99Ms:0}");

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
