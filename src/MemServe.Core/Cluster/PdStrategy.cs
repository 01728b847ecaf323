using System.Runtime.CompilerServices;
using MemServe.Engine;

namespace MemServe.Cluster;

/// <summary>
/// The prefill/decode split at caching level 0–3 (PD-Basic, PD-Caching-1..3), one code path with the MemServe
/// calls switched on per level: the prefill instance reuses and publishes its cache from level 1; the decode
/// instance keeps what it caches, receives only the rest and publishes it (transfer-with-insert) from level 2; at
/// level 3 the decode instance's cached prompt + output KV is written back to the prefill instance (only the
/// blocks it lacks) before the final update is handed to the caller, so the next turn finds it there.
/// </summary>
internal sealed class PdStrategy(string name, int level) : IDisaggregationStrategy
{
    public string Name { get; } = name;

    public bool IsDisaggregated => true;

    public async IAsyncEnumerable<GenerationUpdate> RunAsync(DisaggregationContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The prefill side samples the first token alone, so it cannot fork choices from it.
        if (context.Request.N > 1)
            throw new InvalidRequestException("N > 1 is not supported with prefill/decode disaggregation (use a colocated strategy).");
        RoutedInstance prefill = context.Route(InstanceRole.Prefill);
        RoutedInstance? decode = null;
        PrefillResult? prompt = null;
        ByLayerLanding? landing = null;
        try
        {
            if (level >= 1) await context.ApplyMoveAsync(prefill, cancellationToken).ConfigureAwait(false);
            var prefillRequest = new PrefillRequest(context.Request, UseCache: level >= 1);
            bool byLayer = false;
            if (context.Options.KvTransferMode == KvTransferMode.ByLayer && prefill.Instance is LocalEngineInstance localPrefill)
            {
                // By layer: the decode side is chosen and its blocks allocated first, so the prefill can stream into them.
                decode = context.Route(InstanceRole.Decode);
                if (decode.Instance is LocalEngineInstance localDecode)
                {
                    byLayer = true;
                    landing = await localDecode.BeginByLayerLandingAsync(context.Request, prefill.Instance.Id, useCache: level >= 2)
                        .ConfigureAwait(false);
                    prompt = await localPrefill.PrefillByLayerAsync(prefillRequest, landing, context.Options.KvLayersPerFrame,
                        cancellationToken).ConfigureAwait(false);
                }
            }
            prompt ??= await prefill.Instance.PrefillAsync(prefillRequest, cancellationToken).ConfigureAwait(false);
            context.PrefillDone(prefill, prompt.PrefillTime);
            context.Completed(prefill);
            context.CachedPromptTokens = prompt.CachedPromptTokens;
            context.RecordInstance(prefill.Instance, "prefill", prompt.CachedPromptTokens);

            decode ??= context.Route(InstanceRole.Decode);
            var request = new DecodeRequest(context.Request, prompt.FirstToken, prompt.GeneratorState, UseCache: level >= 2, prompt.FirstLogprobs);
            List<int>? output = level >= 3 ? [] : null;
            IAsyncEnumerable<GenerationUpdate> updates = byLayer
                ? ((LocalEngineInstance)decode.Instance).DecodeLandedAsync(request, landing!, cancellationToken)
                : decode.Instance.DecodeAsync(request, prompt.Kv, cancellationToken);
            await foreach (GenerationUpdate update in updates.ConfigureAwait(false))
            {
                if (prompt is not null)
                {
                    await prompt.DisposeAsync().ConfigureAwait(false); // the KV has landed on the decode side
                    prompt = null;
                    context.Started(decode);
                }
                output?.Add(update.TokenId);
                if (update.Usage is { } usage)
                {
                    context.RecordInstance(decode.Instance, "decode", usage.CachedPromptTokens);
                    if (output is not null) await WriteBackAsync(context, decode.Instance, prefill.Instance, output, cancellationToken).ConfigureAwait(false);
                }
                yield return update;
            }
        }
        finally
        {
            if (landing is not null) await landing.DisposeAsync().ConfigureAwait(false);
            if (prompt is not null) await prompt.DisposeAsync().ConfigureAwait(false);
            context.Completed(prefill);
            if (decode is not null) context.Completed(decode);
        }
    }

    // PD-Caching-3: the decode side's cached prompt + output blocks go to the prefill side with insert. Best
    // effort: a failed write-back only costs the next turn a recomputation.
    private static async Task WriteBackAsync(DisaggregationContext context, IEngineInstance from, IEngineInstance to,
        List<int> output, CancellationToken cancellationToken)
    {
        int[] history = new int[context.PromptTokens.Length + output.Count];
        context.PromptTokens.Span.CopyTo(history);
        output.CopyTo(history, context.PromptTokens.Length);
        await context.CopyCachedAsync(from, to, history, cancellationToken).ConfigureAwait(false);
    }
}
