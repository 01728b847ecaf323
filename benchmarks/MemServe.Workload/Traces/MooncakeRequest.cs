namespace MemServe.Workload.Traces;

/// <summary>One line of a Mooncake trace. Immutable.</summary>
/// <param name="TimestampMs">Arrival, in milliseconds since the trace's start.</param>
/// <param name="InputLength">Prompt tokens.</param>
/// <param name="OutputLength">Output tokens.</param>
/// <param name="HashIds">Prefix-block hashes of <see cref="MooncakeTrace.TraceBlockTokens"/> tokens each: two
/// requests whose ids start alike share that many blocks of prefix (the last block may be partial).</param>
internal sealed record MooncakeRequest(long TimestampMs, int InputLength, int OutputLength, int[] HashIds);
