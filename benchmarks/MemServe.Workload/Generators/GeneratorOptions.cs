namespace MemServe.Workload.Generators;

/// <summary>
/// Settings shared by the generators. Immutable; the defaults size every workload so that one run of the
/// embedded default model on two shared cores takes seconds, not minutes.
/// </summary>
internal sealed record GeneratorOptions
{
    /// <summary>Seed of every random choice (tokens, lengths, arrivals, think times). Default 42.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Poisson arrival rate of sessions (sessions per second). Default 2.</summary>
    public double SessionsPerSecond { get; init; } = 2;

    /// <summary>Mean think time between a session's turns (exponential). Default 200 ms.</summary>
    public TimeSpan MeanThinkTime { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Multiplies the number of sessions of every generated workload (at least one session stays).
    /// Default 1.</summary>
    public double Scale { get; init; } = 1;

    /// <summary>The model's vocabulary size; prompts use ids in [300, VocabSize). Default 2233 (the embedded model).</summary>
    public int VocabSize { get; init; } = 2233;

    /// <summary>The model's context (prompt + output tokens); generators stay inside it. Default 2048.</summary>
    public int ContextTokens { get; init; } = 2048;

    /// <summary><paramref name="count"/> scaled by <see cref="Scale"/>, at least 1.</summary>
    internal int Scaled(int count) => Math.Max(1, (int)Math.Round(count * Scale));
}
