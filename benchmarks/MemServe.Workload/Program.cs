using MemServe.Model;
using MemServe.Workload;
using MemServe.Workload.Generators;
using MemServe.Workload.Reporting;
using MemServe.Workload.Running;
using MemServe.Workload.Scripts;
using MemServe.Workload.Setups;

// The workload harness: generated and replayed workloads against single engines and clusters; markdown
// tables on stdout, progress on stderr, JSON with --json. See docs/workloads.md.
HarnessOptions options;
try
{
    options = HarnessOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(HarnessOptions.Usage);
    return 2;
}

using var context = new SetupContext(LoadedModel.Default(), options.Threads, options.InstanceThreads, options.Instances, kvBytesPerInstance: 256L << 20)
{
    PrefillInstances = options.PrefillInstances,
    RoutingDisaggregation = options.RoutingDisaggregation,
};
GeneratorOptions generator = options.Generator with
{
    VocabSize = context.Model.Config.VocabSize,
    ContextTokens = context.Model.Config.MaxPositionEmbeddings,
};
var workloads = new List<WorkloadScript>();
foreach (string name in options.Workloads) workloads.Add(WorkloadCatalog.Create(name, generator, options.Trace));
IReadOnlyList<EngineSetup> setups = SetupCatalog.Select(context, generator.Seed, options.Setups);

Console.WriteLine($"# MemServe workload harness");
Console.WriteLine();
Console.WriteLine($"machine: {MachineLoad.Describe()}; load {MachineLoad.OneMinute():0.0} at start");
Console.WriteLine($"model: {context.Model.Name}, {context.Model.ParameterCount / 1e6:0.0}M parameters, vocab {generator.VocabSize}, context {generator.ContextTokens}");
Console.WriteLine($"cluster: {options.Instances} in-process instances × {options.InstanceThreads} thread(s) sharing {Environment.ProcessorCount} cores and one memory bus; KV moves between instances are in-process copies");
Console.WriteLine($"arrivals: Poisson {generator.SessionsPerSecond} sessions/s, mean think time {generator.MeanThinkTime.TotalMilliseconds:0} ms, seed {generator.Seed}, scale {generator.Scale}");
Console.WriteLine();
foreach (WorkloadScript workload in workloads)
    Console.WriteLine($"- {workload.Name}: {workload.Sessions.Count} sessions, {workload.RequestCount} requests, longest prompt+output {workload.LongestPromptTokens}; {workload.Description}");
foreach (EngineSetup setup in setups) Console.WriteLine($"- setup {setup.Name} ({setup.Matrix}): {setup.Description}");
Console.WriteLine();
if (options.ListOnly) return 0;

var entries = new List<RunEntry>();
var runner = new MatrixRunner(generator, Math.Max(1, options.Instances), options.TimeLimit, options.Repeat);
foreach (string matrix in SetupCatalog.Matrices)
{
    List<RunEntry> matrixEntries = await runner.RunAsync(matrix, workloads, setups);
    if (matrixEntries.Count == 0) continue;
    entries.AddRange(matrixEntries);
    Console.WriteLine($"## {matrix}{(options.Repeat > 1 ? $" ({options.Repeat} runs pooled per row)" : "")}");
    Console.WriteLine();
    Console.WriteLine(MarkdownReport.Table(matrix, matrixEntries));
}
Console.WriteLine($"load {MachineLoad.OneMinute():0.0} at end");
if (options.ComparePath is { } baseline)
{
    Console.WriteLine();
    Console.WriteLine($"## compared with {baseline}");
    Console.WriteLine();
    Console.WriteLine(BaselineComparison.Table(baseline, entries));
}
if (options.JsonPath is { } path)
{
    JsonReport.Write(path, options, workloads, entries, options.JsonRequests);
    Console.WriteLine($"JSON written to {path}");
}
return 0;
