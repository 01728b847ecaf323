using System.Text.Json;
using MemServe.Workload.Scripts;

namespace MemServe.Workload.Reporting;

/// <summary>
/// Writes a whole harness invocation as one JSON document a script can compare: the machine, the options,
/// each workload's description (with its scaling factors), and every run's metrics and load (and, on request,
/// every request). Property names are snake_case; latencies are in milliseconds. <see cref="BaselineComparison"/>
/// reads it back.
/// </summary>
internal static class JsonReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes the report to <paramref name="path"/>; each run lists its requests too when
    /// <paramref name="withRequests"/>.</summary>
    public static void Write(string path, HarnessOptions options, IReadOnlyList<WorkloadScript> workloads, IReadOnlyList<RunEntry> entries,
        bool withRequests)
    {
        var document = new
        {
            Machine = MachineLoad.Describe(),
            StartedUtc = DateTime.UtcNow,
            Options = new
            {
                options.Generator.Seed,
                options.Generator.SessionsPerSecond,
                MeanThinkTimeMs = options.Generator.MeanThinkTime.TotalMilliseconds,
                options.Generator.Scale,
                options.Threads,
                options.InstanceThreads,
                options.Instances,
                options.PrefillInstances,
                options.RoutingDisaggregation,
                options.Repeat,
                options.Trace,
            },
            Workloads = workloads.Select(w => new { w.Name, w.Description, Sessions = w.Sessions.Count, w.RequestCount, w.LongestPromptTokens }),
            Runs = entries.Select(e => new
            {
                e.Matrix,
                e.Setup,
                e.Workload,
                e.LoadBefore,
                e.LoadAfter,
                e.Metrics,
                Requests = !withRequests ? null : e.Requests.Select(r => new
                {
                    Session = r.SessionId,
                    r.Turn,
                    SubmittedMs = r.SubmittedAt.TotalMilliseconds,
                    r.PromptTokens,
                    r.CachedPromptTokens,
                    r.OutputTokens,
                    TtftMs = r.TimeToFirstToken.TotalMilliseconds,
                    JctMs = r.CompletionTime.TotalMilliseconds,
                    EngineQueueMs = r.EngineQueueTime.TotalMilliseconds,
                    r.DecodeKeptTokens,
                }),
            }),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(document, Options));
    }
}
