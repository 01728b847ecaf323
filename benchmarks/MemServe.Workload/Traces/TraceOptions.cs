namespace MemServe.Workload.Traces;

/// <summary>
/// Settings of a trace replay. Immutable.
/// </summary>
internal sealed record TraceOptions
{
    /// <summary>The JSONL trace. Default the Mooncake conversation trace.</summary>
    public string Path { get; init; } = MooncakeTrace.DefaultPath;

    /// <summary>Conversations replayed: the first ones (by first arrival) with at least two requests. Default 8.</summary>
    public int Conversations { get; init; } = 8;

    /// <summary>Tokens per trace hash id after scaling (512 → this; length factor 512 / this). Default 16.</summary>
    public int BlockTokens { get; init; } = 16;

    /// <summary>Replay seconds per trace second. Default 0.002 (a 10-minute gap becomes 1.2 s).</summary>
    public double TimeFactor { get; init; } = 0.002;

    /// <summary>Longest scaled prompt; longer ones keep their first tokens. Default 1024.</summary>
    public int MaxPromptTokens { get; init; } = 1024;

    /// <summary>Most output tokens of a request after scaling. Default 32.</summary>
    public int MaxOutputTokens { get; init; } = 32;
}
