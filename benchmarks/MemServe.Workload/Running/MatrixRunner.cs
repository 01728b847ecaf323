using MemServe.Engine;
using MemServe.Workload.Generators;
using MemServe.Workload.Reporting;
using MemServe.Workload.Scripts;
using MemServe.Workload.Setups;

namespace MemServe.Workload.Running;

/// <summary>
/// Runs every (setup, workload) cell of one matrix, <c>repeat</c> times, interleaved (repetition 1 of every
/// cell, then repetition 2, …) so that a drifting machine load spreads over all cells rather than biasing the
/// last ones. Each repetition uses fresh engines; the repetitions of a cell are pooled into one
/// <see cref="RunEntry"/> (<see cref="RunResult.Pool"/>). Progress goes to stderr.
/// </summary>
internal sealed class MatrixRunner(GeneratorOptions generator, int warmupRequests, TimeSpan timeLimit, int repeat)
{
    /// <summary>The pooled entries of <paramref name="matrix"/>, ordered by workload then setup.</summary>
    public async Task<List<RunEntry>> RunAsync(string matrix, IReadOnlyList<WorkloadScript> workloads, IReadOnlyList<EngineSetup> setups)
    {
        var cells = new List<(WorkloadScript Workload, EngineSetup Setup)>();
        foreach (WorkloadScript workload in workloads)
            foreach (EngineSetup setup in setups)
                if (setup.Matrix == matrix) cells.Add((workload, setup));

        var results = new List<RunResult>[cells.Count];
        var loads = new (double Before, double After)[cells.Count];
        for (int rep = 0; rep < repeat; rep++)
        {
            for (int c = 0; c < cells.Count; c++)
            {
                (WorkloadScript workload, EngineSetup setup) = cells[c];
                double before = MachineLoad.OneMinute();
                RunResult result = await RunOnceAsync(setup, workload).ConfigureAwait(false);
                double after = MachineLoad.OneMinute();
                (results[c] ??= []).Add(result);
                loads[c] = (rep == 0 ? before : loads[c].Before, after);
                var metrics = RunMetrics.From(result);
                Console.Error.WriteLine($"{matrix}/{workload.Name}/{setup.Name} run {rep + 1}/{repeat}: {metrics.Requests} requests in " +
                    $"{metrics.MakespanSeconds:0.0} s, TTFT mean {metrics.TimeToFirstToken.MeanMs:0} ms, hit rate {metrics.HitRate:0.0%}, load {after:0.0}");
            }
        }

        var entries = new List<RunEntry>(cells.Count);
        for (int c = 0; c < cells.Count; c++)
        {
            RunResult pooled = RunResult.Pool(results[c]);
            entries.Add(new RunEntry(matrix, cells[c].Setup.Name, cells[c].Workload.Name, RunMetrics.From(pooled),
                loads[c].Before, loads[c].After, pooled.Records));
        }
        return entries;
    }

    private async Task<RunResult> RunOnceAsync(EngineSetup setup, WorkloadScript workload)
    {
        ILlmEngine engine = setup.Create();
        try
        {
            await Warmup.RunAsync(engine, generator, warmupRequests).ConfigureAwait(false);
            return await WorkloadRunner.RunAsync(engine, workload, generator.ContextTokens, timeLimit).ConfigureAwait(false);
        }
        finally
        {
            await engine.DisposeAsync().ConfigureAwait(false);
        }
    }
}
