using MemServe.Engine;

namespace MemServe.Workload.Setups;

/// <summary>
/// A named way to build the engine under test (a single engine with the cache off or on, or a cluster with a
/// disaggregation strategy and a routing policy). Every run gets a fresh engine, so caches start cold.
/// Immutable.
/// </summary>
/// <param name="Name">Row label in tables and JSON.</param>
/// <param name="Matrix">Which table the row belongs to (<c>single</c>, <c>disaggregation</c>, <c>routing</c>).</param>
/// <param name="Description">One line: instances, threads, cache and policies.</param>
/// <param name="Create">Builds a new engine; the caller disposes it.</param>
internal sealed record EngineSetup(string Name, string Matrix, string Description, Func<ILlmEngine> Create);
