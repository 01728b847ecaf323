using MemServe.Workload.Running;

namespace MemServe.Workload.Reporting;

/// <summary>One cell of the matrix: a setup run on a workload, with the load around it. Immutable.</summary>
/// <param name="Matrix">The setup's matrix (<c>single</c>, <c>disaggregation</c>, <c>routing</c>).</param>
/// <param name="Setup">The setup's name.</param>
/// <param name="Workload">The workload's name.</param>
/// <param name="Metrics">What was measured.</param>
/// <param name="LoadBefore">1-minute load average just before the run.</param>
/// <param name="LoadAfter">1-minute load average just after the run.</param>
/// <param name="Requests">Every completed request, for scripts that want more than the summary.</param>
internal sealed record RunEntry(string Matrix, string Setup, string Workload, RunMetrics Metrics, double LoadBefore, double LoadAfter,
    IReadOnlyList<RequestRecord> Requests);
