using System.Collections.Concurrent;

namespace MemServe.Cluster;

/// <summary>
/// MemServe's cost model for routing: per-instance prefill models and per-link transfer models, each
/// created from the priors on first use and calibrated by the measurements the scheduler feeds back.
/// Thread-safe.
/// </summary>
public sealed class CostModel
{
    private readonly ConcurrentDictionary<string, PrefillCostModel> _prefill = new();
    private readonly ConcurrentDictionary<(string From, string To), TransferCostModel> _links = new();

    /// <summary>Creates a model with <paramref name="options"/> (defaults when null).</summary>
    public CostModel(CostModelOptions? options = null) => Options = options ?? new CostModelOptions();

    /// <summary>Priors and constants.</summary>
    public CostModelOptions Options { get; }

    /// <summary>The prefill model of <paramref name="instanceId"/>.</summary>
    public PrefillCostModel Prefill(string instanceId) =>
        _prefill.GetOrAdd(instanceId, static (_, options) => new PrefillCostModel(options), Options);

    /// <summary>The transfer model of the link <paramref name="from"/> → <paramref name="to"/>.</summary>
    public TransferCostModel Transfer(string from, string to) =>
        _links.GetOrAdd((from, to), static (_, options) => new TransferCostModel(options), Options);

    /// <summary>exec(x, y): time for <paramref name="instanceId"/> to prefill a <paramref name="promptTokens"/>-token
    /// prompt of which <paramref name="cachedTokens"/> are cached.</summary>
    public TimeSpan PredictPrefill(string instanceId, int promptTokens, int cachedTokens)
    {
        int cached = Math.Clamp(cachedTokens, 0, promptTokens);
        return Prefill(instanceId).Predict(promptTokens - cached, cached);
    }

    /// <summary>Time to move the KV of <paramref name="tokens"/> tokens from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public TimeSpan PredictTransfer(string from, string to, int tokens) =>
        Transfer(from, to).Predict(tokens * Options.KvBytesPerToken);
}
