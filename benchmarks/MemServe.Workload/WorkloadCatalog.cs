using MemServe.Workload.Generators;
using MemServe.Workload.Scripts;
using MemServe.Workload.Traces;

namespace MemServe.Workload;

/// <summary>The built-in workloads by name: <c>sharegpt</c>, <c>loogle</c>, <c>react</c>, <c>trace</c>.</summary>
internal static class WorkloadCatalog
{
    /// <summary>Builds the workload called <paramref name="name"/> (deterministic for the options' seed).</summary>
    public static WorkloadScript Create(string name, GeneratorOptions generator, TraceOptions trace) => name switch
    {
        "sharegpt" => ShareGptGenerator.Create(generator),
        "loogle" => LooGleGenerator.Create(generator),
        "react" => ReActGenerator.Create(generator),
        "trace" => TraceWorkload.Create(trace, generator),
        _ => throw new ArgumentException($"unknown workload '{name}' (known: sharegpt, loogle, react, trace)"),
    };
}
