using MemServe.Engine;
using MemServe.Tokenization;

namespace MemServe.Cluster;

/// <summary>
/// One engine instance of a cluster, local (<see cref="LocalEngineInstance"/>) or remote: what the global
/// scheduler routes on (<see cref="IInstanceView"/>: id, role, health, load) and the operations the
/// disaggregation strategies need. Every instance of a cluster serves the same model with the same block size.
/// Thread-safe: any number of callers at once.
/// </summary>
/// <remarks>
/// Operations by role: a colocated instance serves <see cref="GenerateAsync"/>; a prefill instance serves
/// <see cref="PrefillAsync"/>; a decode instance serves <see cref="DecodeAsync"/>. Any instance can export
/// (<see cref="ExportCachedAsync"/>) and import (<see cref="ImportAsync"/>) cached prefixes, which is how KV moves
/// between instances outside a request (prompt-tree moves, PD-Caching-3 write-back). Through this interface KV travels as one
/// aggregated frame per transfer over an <see cref="Transport.IKvTransport"/> link (local instances can also stream a
/// prefill by layer: <see cref="LlmClusterOptions.KvTransferMode"/>); the receiver allocates, lands
/// the data, and only then publishes or uses it. A failed transfer leaves nothing half-published on either side.
/// </remarks>
public interface IEngineInstance : IInstanceView, IAsyncDisposable
{
    /// <summary>The model served.</summary>
    ModelInfo ModelInfo { get; }

    /// <summary>The model's tokenizer (the cluster encodes prompts once, for routing).</summary>
    ITokenizer Tokenizer { get; }

    /// <summary>Tokens per KV block (the granularity of caching and transfer).</summary>
    int BlockTokens { get; }

    /// <summary>A snapshot of the instance's counters.</summary>
    EngineStats GetStats();

    /// <summary>Runs a whole request here (colocated), with the semantics of <see cref="ILlmEngine.GenerateAsync"/>.</summary>
    IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Embeds a request's inputs here, with the semantics of <see cref="ILlmEngine.EmbedAsync"/> (a cluster
    /// sends embeddings to a colocated instance, or to a prefill instance when disaggregated). The default
    /// implementation throws <see cref="NotSupportedException"/>.</summary>
    Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not implement IEngineInstance.EmbedAsync.");

    /// <summary>Prefill role: computes the prompt's KV (reusing and publishing cached prefixes when
    /// <see cref="PrefillRequest.UseCache"/>), samples the first token, and returns them with the prompt's KV held
    /// for shipping (<see cref="PrefillResult.Kv"/>; dispose the result to release it).</summary>
    Task<PrefillResult> PrefillAsync(PrefillRequest request, CancellationToken cancellationToken = default);

    /// <summary>Decode role: receives the prompt's KV from <paramref name="promptKv"/> (with
    /// <see cref="DecodeRequest.UseCache"/>: only the blocks this instance does not already cache, publishing the
    /// received full blocks once landed), then streams the request's output starting with
    /// <see cref="DecodeRequest.FirstToken"/>. The final update's <see cref="GenerationUsage.CachedPromptTokens"/>
    /// counts the prompt tokens this instance already held (did not receive). <paramref name="promptKv"/> is only
    /// read; the caller disposes it (it may do so once the first update has arrived).</summary>
    IAsyncEnumerable<GenerationUpdate> DecodeAsync(DecodeRequest request, IKvSource promptKv, CancellationToken cancellationToken = default);

    /// <summary>Holds the longest cached prefix of <paramref name="tokens"/> (full blocks) for export; the source
    /// has <see cref="IKvSource.BlockCount"/> 0 when nothing is cached. The caller disposes it.</summary>
    Task<IKvSource> ExportCachedAsync(ReadOnlyMemory<int> tokens, CancellationToken cancellationToken = default);

    /// <summary>MemServe's transfer (and, with <paramref name="insert"/>, transfer-with-insert) on the receiving
    /// side: the leading blocks of <paramref name="tokens"/> this instance already caches are kept, the rest of
    /// <paramref name="source"/>'s blocks are received into newly allocated blocks, and with
    /// <paramref name="insert"/> their full blocks are published in this instance's prompt tree after the data has
    /// landed. Without <paramref name="insert"/> the received blocks are freed again (a transfer nobody keeps is
    /// only useful for measuring). On failure nothing is published and everything allocated is freed.</summary>
    Task<KvImportResult> ImportAsync(ReadOnlyMemory<int> tokens, IKvSource source, bool insert, CancellationToken cancellationToken = default);

    /// <summary>Subscribes to the instance's cache events (prefixes inserted and evicted, as chained block hashes
    /// of <see cref="BlockHasher"/>), which feed the global prompt tree of its role. On subscription the handler
    /// first hears everything already cached. A local instance calls the handler synchronously on its engine
    /// thread before the operation that caused the event completes; it must be quick and must not throw.
    /// Dispose the returned object to unsubscribe.</summary>
    IDisposable SubscribeCacheEvents(Action<CacheEvent> handler);

    /// <summary>Checks that the instance answers; false (never an exception) when it does not.</summary>
    Task<bool> ProbeHealthAsync(CancellationToken cancellationToken = default);
}
