using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace MemServe.Benchmarks;

/// <summary>
/// A custom summary column: work per operation (bytes or floating-point operations, computed from the
/// benchmark's parameters) divided by the mean time, in units of 10^9 per second ("GB/s", "GFLOP/s").
/// </summary>
public sealed class ThroughputColumn(string name, Func<BenchmarkCase, double> workPerOperation) : IColumn
{
    public string Id => nameof(ThroughputColumn) + "." + name;
    public string ColumnName => name;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"{name}: work per operation ÷ mean time";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        double? meanNs = report?.ResultStatistics?.Mean;
        if (meanNs is not > 0) return "-";
        return (workPerOperation(benchmarkCase) / meanNs.Value).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;

    /// <summary>A benchmark parameter's value.</summary>
    public static T Param<T>(BenchmarkCase benchmarkCase, string parameter) => (T)benchmarkCase.Parameters[parameter]!;
}
