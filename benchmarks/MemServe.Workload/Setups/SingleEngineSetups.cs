namespace MemServe.Workload.Setups;

/// <summary>
/// The single-engine rows: one <see cref="MemServe.Engine.LlmEngine"/> on all the harness's engine threads,
/// prefix cache off (<c>engine</c>) and on (<c>engine+cache</c>).
/// </summary>
internal static class SingleEngineSetups
{
    /// <summary>Both single-engine setups.</summary>
    public static IEnumerable<EngineSetup> All(SetupContext context)
    {
        yield return Create(context, "engine", cache: false);
        yield return Create(context, "engine+cache", cache: true);
    }

    private static EngineSetup Create(SetupContext context, string name, bool cache) =>
        new(name, "single", $"1 engine, {context.EngineThreads} threads, prefix cache {(cache ? "on" : "off")}",
            () => context.CreateEngine(context.EngineOptions(context.EngineThreads, cache)));
}
