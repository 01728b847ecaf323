using MemServe.Engine;
using Microsoft.Extensions.Logging;

namespace MemServe.Cluster;

/// <summary>
/// One request inside an <see cref="LlmCluster"/>, as an <see cref="IDisaggregationStrategy"/> sees it: the request
/// (prompt as token ids), routing by role, KV moves between instances, and what each instance reported. Built by
/// the cluster per request; used by one strategy run at a time.
/// </summary>
public sealed class DisaggregationContext
{
    private readonly LlmCluster _cluster;
    private readonly List<InstanceUsage> _instances = new(2);

    internal DisaggregationContext(LlmCluster cluster, GenerationRequest request, int[] promptTokens)
    {
        _cluster = cluster;
        Request = request;
        PromptTokens = promptTokens;
    }

    /// <summary>The request, its prompt as <see cref="GenerationRequest.PromptTokenIds"/>.</summary>
    public GenerationRequest Request { get; }

    /// <summary>The prompt's token ids.</summary>
    public ReadOnlyMemory<int> PromptTokens { get; }

    /// <summary>The cluster's settings.</summary>
    internal LlmClusterOptions Options => _cluster.Options;

    /// <summary>The cluster's time source.</summary>
    public TimeProvider Time => _cluster.Options.TimeProvider;

    /// <summary>Prompt tokens reused instead of computed, reported in the final usage (the strategy sets it).</summary>
    public int CachedPromptTokens { get; set; }

    /// <summary>What each instance reported so far.</summary>
    public IReadOnlyList<InstanceUsage> Instances => _instances;

    /// <summary>Routes the request among the healthy instances of <paramref name="role"/> and charges the load; the
    /// strategy must call <see cref="Completed"/> for it however the request ends.</summary>
    /// <exception cref="InvalidOperationException">No healthy instance has that role.</exception>
    public RoutedInstance Route(InstanceRole role)
    {
        GlobalRouter router = _cluster.Router(role);
        RoutedRequest routed = router.Route(new RoutingRequest(PromptTokens, Request.SessionId), _cluster.Instances);
        return new RoutedInstance(_cluster.Find(routed.Decision.Target.Id), routed, router);
    }

    /// <summary>The prefill on <paramref name="target"/> took <paramref name="measured"/>: calibrates its cost model
    /// and releases the predicted work.</summary>
    public void PrefillDone(RoutedInstance target, TimeSpan measured) => target.Router.PrefillDone(target.Routed, measured);

    /// <summary>Work charged at dispatch is under way (no calibration; e.g. a decode instance has its KV).</summary>
    public void Started(RoutedInstance target) => target.Routed.Ticket.PrefillDone();

    /// <summary>Releases the load charged by <see cref="Route"/> (idempotent).</summary>
    public void Completed(RoutedInstance target) => target.Router.Completed(target.Routed);

    /// <summary>Records what <paramref name="instance"/> held of the prompt, for the final usage.</summary>
    public void RecordInstance(IEngineInstance instance, string role, int cachedPromptTokens) =>
        _instances.Add(new InstanceUsage(instance.Id, role, cachedPromptTokens));

    /// <summary>When the router proposed a KV move to <paramref name="target"/> (another instance holds a longer
    /// prefix and the transfer beats recomputing it), imports that prefix with insert. Best effort: a failed move
    /// only means the target recomputes. Returns the blocks received.</summary>
    public async Task<int> ApplyMoveAsync(RoutedInstance target, CancellationToken cancellationToken)
    {
        if (target.Routed.Decision.Move is not { } move) return 0;
        IEngineInstance source = _cluster.Find(move.SourceInstanceId);
        return await CopyCachedAsync(source, target.Instance, PromptTokens[..move.ToToken], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Transfer-with-insert of the cached prefix of <paramref name="tokens"/> from <paramref name="from"/> to
    /// <paramref name="to"/> (only the blocks <paramref name="to"/> lacks travel). Best effort: failures are logged and
    /// counted, never thrown (cancellation is). Returns the blocks received.</summary>
    public async Task<int> CopyCachedAsync(IEngineInstance from, IEngineInstance to, ReadOnlyMemory<int> tokens,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        try
        {
            await using IKvSource source = await from.ExportCachedAsync(tokens, cancellationToken).ConfigureAwait(false);
            if (source.BlockCount == 0) return 0;
            long start = Time.GetTimestamp();
            KvImportResult result = await to.ImportAsync(tokens[..source.TokenCount], source, insert: true, cancellationToken).ConfigureAwait(false);
            if (result.ReceivedBlocks > 0)
            {
                long bytes = (long)result.ReceivedBlocks * to.BlockTokens * _cluster.Costs.Options.KvBytesPerToken;
                _cluster.Costs.Transfer(from.Id, to.Id).Observe(bytes, Time.GetElapsedTime(start));
            }
            _cluster.Counters.OnTransfer(result.ReceivedBlocks);
            return result.ReceivedBlocks;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _cluster.Counters.OnTransferFailed();
            ClusterLog.TransferFailed(_cluster.Logger, ex, from.Id, to.Id);
            return 0;
        }
    }
}
