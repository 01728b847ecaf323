using MemServe.Engine;

namespace MemServe.Cluster;

/// <summary>A request for a prefill instance.</summary>
/// <param name="Request">The request; its prompt as token ids.</param>
/// <param name="UseCache">Reuse cached prefixes of the prompt and publish its full blocks in this instance's
/// cache (PD-Caching-1 and up); false computes the whole prompt and caches nothing (PD-Basic).</param>
public sealed record PrefillRequest(GenerationRequest Request, bool UseCache);
