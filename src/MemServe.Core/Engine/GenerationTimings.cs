namespace MemServe.Engine;

/// <summary>Where the time of one request went, measured with the engine's <see cref="TimeProvider"/>.</summary>
/// <param name="QueueTime">From submission until the request was first scheduled.</param>
/// <param name="TimeToFirstToken">From submission until the first output token was sampled.</param>
/// <param name="Total">From submission until the last token.</param>
public sealed record GenerationTimings(TimeSpan QueueTime, TimeSpan TimeToFirstToken, TimeSpan Total);
