using MemServe.Engine;
using MemServe.Sampling;
using MemServe.Workload.Generators;

namespace MemServe.Workload.Running;

/// <summary>
/// Gets an engine past JIT compilation and first-touch page faults before a run is timed: a few short,
/// concurrent requests (one per instance of a cluster, so round-robin touches every instance). Their
/// prompts are shorter than one KV block, so they leave nothing in a prefix cache.
/// </summary>
internal static class Warmup
{
    /// <summary>Sends <paramref name="requests"/> 8-token prompts with 4 output tokens and waits for them.</summary>
    public static async Task RunAsync(ILlmEngine engine, GeneratorOptions generator, int requests)
    {
        var tokens = new TokenSource(generator.Seed ^ 0x5EED, generator.VocabSize);
        var tasks = new Task<GenerationResult>[requests];
        for (int i = 0; i < requests; i++)
            tasks[i] = engine.CompleteAsync(new GenerationRequest
            {
                PromptTokenIds = tokens.Next(8),
                MaxTokens = 4,
                IgnoreEos = true,
                Sampling = SamplingParameters.Greedy,
            });
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
