using MemServe.Engine;

namespace MemServe.Cluster;

/// <summary>A request for a decode instance whose prompt KV comes from a prefill instance.</summary>
/// <param name="Request">The request (same prompt token ids as the prefill's).</param>
/// <param name="FirstToken">The first output token, sampled by the prefill instance.</param>
/// <param name="GeneratorState">The request's random generator state after that sample (empty: start from the
/// request's seed), so seeded sampling continues as one engine would have.</param>
/// <param name="UseCache">Keep the prompt blocks this instance already caches and receive only the rest; publish the
/// received full blocks on landing (transfer-with-insert) and the output's blocks at the end (PD-Caching-2 and up).
/// False receives every block and caches nothing.</param>
/// <param name="FirstLogprobs">The first token's logprobs from the prefill instance (when the request asks for them).</param>
public sealed record DecodeRequest(GenerationRequest Request, int FirstToken, ReadOnlyMemory<ulong> GeneratorState, bool UseCache,
    TokenLogprobs? FirstLogprobs = null);
