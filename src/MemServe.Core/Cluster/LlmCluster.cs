using System.Runtime.CompilerServices;
using MemServe.Engine;
using MemServe.Tokenization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MemServe.Cluster;

/// <summary>
/// Several engine instances behind one <see cref="ILlmEngine"/>: an app swaps one engine for a cluster without
/// touching a call site. Each request's prompt is encoded once, routed per role by a <see cref="GlobalRouter"/>
/// (policy by name, global prompt trees fed by the instances' cache events, load counted at dispatch), and run by
/// the configured <see cref="IDisaggregationStrategy"/>; updates stream back as from one engine. The final update's
/// usage reports what the serving instances held (<see cref="GenerationUsage.Instances"/>) and its timings are
/// measured here, from submission. Owns the instances: disposal disposes them all. Thread-safe.
/// </summary>
public sealed class LlmCluster : ILlmEngine
{
    private readonly IEngineInstance[] _instances;
    private readonly Dictionary<string, IEngineInstance> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<InstanceRole, GlobalRouter> _routers = [];
    private readonly List<IDisposable> _subscriptions = [];
    private int _disposed;

    /// <summary>Builds a cluster over <paramref name="instances"/> (which it owns from here on).</summary>
    /// <exception cref="ArgumentException">No instances, duplicate ids, mixed block sizes, an unknown strategy or
    /// policy, or no instance of a role the strategy needs.</exception>
    public LlmCluster(IEnumerable<IEngineInstance> instances, LlmClusterOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(instances);
        Options = options ?? new LlmClusterOptions();
        _instances = [.. instances];
        if (_instances.Length == 0) throw new ArgumentException("A cluster needs at least one instance.", nameof(instances));
        Strategy = DisaggregationStrategies.Create(Options.Disaggregation);
        Logger = loggerFactory?.CreateLogger<LlmCluster>() ?? NullLogger<LlmCluster>.Instance;
        Costs = new CostModel(Options.CostModel);
        int blockTokens = _instances[0].BlockTokens;
        foreach (IEngineInstance instance in _instances)
        {
            if (!_byId.TryAdd(instance.Id, instance)) throw new ArgumentException($"Two instances have the id '{instance.Id}'.", nameof(instances));
            if (instance.BlockTokens != blockTokens)
                throw new ArgumentException($"Instance '{instance.Id}' uses {instance.BlockTokens}-token blocks; the others {blockTokens}.", nameof(instances));
        }
        InstanceRole[] roles = Strategy.IsDisaggregated ? [InstanceRole.Prefill, InstanceRole.Decode] : [InstanceRole.Colocated];
        var ledger = new DispatchLedger();
        var random = Options.Random ?? new Random();
        foreach (InstanceRole role in roles)
        {
            if (Array.FindIndex(_instances, i => i.Role == role) < 0)
                throw new ArgumentException($"Disaggregation '{Strategy.Name}' needs at least one {role} instance.", nameof(instances));
            RoutingPolicyOptions policyOptions = role == InstanceRole.Decode ? new RoutingPolicyOptions
            {
                MaxSessions = Options.RoutingOptions.MaxSessions, AllowKvMoves = false,
            } : Options.RoutingOptions;
            var tree = new GlobalPromptTree(role, Options.TreeEntryTtl, Options.TimeProvider, blockTokens);
            _routers[role] = new GlobalRouter(RoutingPolicies.Create(Options.Routing, policyOptions), tree, Costs, ledger, random);
        }
        foreach (IEngineInstance instance in _instances)
        {
            if (!_routers.TryGetValue(instance.Role, out GlobalRouter? router)) continue;
            GlobalPromptTree tree = router.Tree;
            _subscriptions.Add(instance.SubscribeCacheEvents(e =>
            {
                if (e.Kind == CacheEventKind.Inserted) tree.Insert(e.InstanceId, e.ChainedHashes);
                else tree.Evict(e.InstanceId, e.ChainedHashes);
            }));
        }
        ClusterLog.Started(Logger, _instances.Length, Strategy.Name, Options.Routing);
    }

    /// <summary>The options.</summary>
    public LlmClusterOptions Options { get; }

    /// <summary>The strategy every request runs through.</summary>
    public IDisaggregationStrategy Strategy { get; }

    /// <summary>The instances, in the order given.</summary>
    public IReadOnlyList<IEngineInstance> Instances => _instances;

    /// <summary>The shared cost model (calibrated by measured prefills and transfers).</summary>
    public CostModel Costs { get; }

    /// <summary>Transfers between instances.</summary>
    public ClusterCounters Counters { get; } = new();

    /// <inheritdoc />
    public ModelInfo ModelInfo => _instances[0].ModelInfo;

    /// <inheritdoc />
    public ITokenizer Tokenizer => _instances[0].Tokenizer;

    internal ILogger Logger { get; }

    /// <summary>The router of <paramref name="role"/>.</summary>
    /// <exception cref="InvalidOperationException">The strategy routes no request to that role.</exception>
    public GlobalRouter Router(InstanceRole role) => _routers.TryGetValue(role, out GlobalRouter? router) ? router
        : throw new InvalidOperationException($"Disaggregation '{Strategy.Name}' has no {role} instances to route to.");

    /// <summary>The instance with <paramref name="id"/>.</summary>
    public IEngineInstance Find(string id) => _byId.TryGetValue(id, out IEngineInstance? instance) ? instance
        : throw new InvalidOperationException($"No instance '{id}' in the cluster.");

    /// <inheritdoc />
    public IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentNullException.ThrowIfNull(request);
        int[] prompt = EncodePrompt(request);
        return StreamAsync(request with { Prompt = null, PromptTokenIds = prompt }, prompt, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<GenerationResult> CompleteAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        await GenerationCollector.CollectAsync(GenerateAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>The inputs are encoded once here; the whole request goes to one instance (colocated, or prefill when
    /// disaggregated), routed by its first input's tokens and counted in the router's load until it completes.</remarks>
    public async Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Inputs is { Count: > 0 } texts && request.TokenInputs is null)
        {
            var encoded = new IReadOnlyList<int>[texts.Count];
            for (int i = 0; i < encoded.Length; i++)
                encoded[i] = string.IsNullOrEmpty(texts[i]) ? [] : Tokenizer.Encode(texts[i], request.AddSpecialTokens);
            request = request with { Inputs = null, TokenInputs = encoded }; // empty inputs fail at the instance, named
        }
        int[] first = request.TokenInputs is { Count: > 0 } inputs && inputs[0] is { } ids ? [.. ids] : [];
        GlobalRouter router = Router(Strategy.IsDisaggregated ? InstanceRole.Prefill : InstanceRole.Colocated);
        RoutedRequest routed = router.Route(new RoutingRequest(first), _instances);
        try
        {
            return await Find(routed.Decision.Target.Id).EmbedAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            router.Completed(routed);
        }
    }

    /// <inheritdoc />
    public EngineStats GetStats()
    {
        var all = new EngineStats[_instances.Length];
        for (int i = 0; i < all.Length; i++) all[i] = _instances[i].GetStats();
        return ClusterStats.Sum(all);
    }

    /// <summary>Unsubscribes from the instances and disposes them all. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (IDisposable subscription in _subscriptions) subscription.Dispose();
        foreach (IEngineInstance instance in _instances) await instance.DisposeAsync().ConfigureAwait(false);
    }

    private async IAsyncEnumerable<GenerationUpdate> StreamAsync(GenerationRequest request, int[] prompt,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        TimeProvider time = Options.TimeProvider;
        long submitted = time.GetTimestamp();
        TimeSpan firstToken = TimeSpan.Zero;
        int updates = 0;
        var outputs = new int[request.N]; // tokens per choice
        var context = new DisaggregationContext(this, request, prompt);
        await foreach (GenerationUpdate update in Strategy.RunAsync(context, cancellationToken).ConfigureAwait(false))
        {
            if (updates++ == 0) firstToken = time.GetElapsedTime(submitted);
            int choiceOutputs = ++outputs[update.ChoiceIndex];
            if (!update.IsFinal)
            {
                yield return update;
                continue;
            }
            TimeSpan queue = update.Timings?.QueueTime ?? TimeSpan.Zero;
            yield return update with
            {
                Usage = new GenerationUsage(prompt.Length, context.CachedPromptTokens, choiceOutputs) { Instances = [.. context.Instances] },
                Timings = new GenerationTimings(queue < firstToken ? queue : TimeSpan.Zero, firstToken, time.GetElapsedTime(submitted)),
            };
        }
    }

    // The prompt as token ids, encoded once with the instances' common tokenizer (instances validate the rest).
    private int[] EncodePrompt(GenerationRequest request)
    {
        if (request.Prompt is not null && request.PromptTokenIds is not null)
            throw new InvalidRequestException("Set either Prompt or PromptTokenIds, not both.");
        if (request.PromptTokenIds is { } ids)
        {
            if (ids.Count == 0) throw new InvalidRequestException("PromptTokenIds is empty.");
            return [.. ids];
        }
        if (string.IsNullOrEmpty(request.Prompt)) throw new InvalidRequestException("Prompt or PromptTokenIds is required.");
        int[] encoded = Tokenizer.Encode(request.Prompt, request.AddSpecialTokens);
        return encoded.Length > 0 ? encoded : throw new InvalidRequestException("Prompt encodes to no tokens.");
    }
}
