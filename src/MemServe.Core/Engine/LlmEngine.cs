using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MemServe.Constraints;
using MemServe.Diagnostics;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;
using MemServe.Tokenization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MemServe.Engine;

/// <summary>
/// The in-process engine: a model runner, a paged KV cache sized from the memory budget, and one engine
/// thread that batches every caller's requests continuously. Thread-safe for any number of callers.
/// </summary>
/// <remarks>
/// Disposing stops the engine thread after its current step and ends every queued, waiting and running
/// request: their enumerators throw <see cref="ObjectDisposedException"/> (a caller's own cancellation
/// throws <see cref="OperationCanceledException"/> instead). Then the prefix cache persists to its disk
/// tier (when configured), and the runner, the KV cache and, with
/// <see cref="LlmEngineOptions.OwnsWeights"/>, the weights are freed.
/// </remarks>
public sealed class LlmEngine : ILlmEngine
{
    private readonly IModelRunner _runner;
    private readonly MemoryBudget _budget;
    private readonly KvBlockStorage _storage;
    private readonly KvBlockPool _pool;
    private readonly MemPool? _memPool;
    private readonly Scheduler _scheduler;
    private readonly AdmissionQueue _admissions;
    private readonly EngineLoop _loop;
    private readonly RequestValidator _validator;
    private readonly EmbeddingValidator _embeddingValidator;
    private readonly EmbeddingPooling _embeddingPooling;
    private readonly EngineCounters _counters;
    private readonly ITensorSource? _ownedWeights;
    private readonly StopTokens _stopTokens;
    private readonly TimeProvider _time;
    private EngineKv? _kv;
    private long _nextRequestId;
    private TokenVocabulary? _vocabulary;
    private int _disposed;

    /// <summary>Builds an engine over <paramref name="runner"/> (which charged its weights and scratch to
    /// <paramref name="budget"/>); the KV pool takes what the budget has left. The engine owns the runner
    /// from here on (and <paramref name="weights"/> when <see cref="LlmEngineOptions.OwnsWeights"/>).
    /// <paramref name="modelInfo"/> is the description <see cref="Create"/> already made (null describes the weights).</summary>
    internal LlmEngine(IModelRunner runner, MemoryBudget budget, ITokenizer tokenizer, LlmEngineOptions options,
        ITensorSource? weights, ILoggerFactory? loggerFactory, ModelInfo? modelInfo = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ModelConfig config = runner.Config;
        ILogger logger = loggerFactory?.CreateLogger<LlmEngine>() ?? NullLogger<LlmEngine>.Instance;
        _runner = runner;
        _budget = budget;
        _time = options.TimeProvider;
        _ownedWeights = options.OwnsWeights ? weights : null;
        Tokenizer = tokenizer;
        ModelInfo = modelInfo ?? ModelInfo.Describe(options.ModelName, config, weights);

        int maxRunning = Math.Min(options.MaxRunningSequences, runner.MaxBatchSequences);
        int maxBatchTokens = Math.Min(options.MaxBatchTokens, runner.MaxBatchTokens);
        int modelContext = Math.Min(config.MaxPositionEmbeddings, options.MaxContextTokens ?? int.MaxValue);
        KvCacheLayout layout = runner.KvLayout;
        int blocks = KvPoolSizing.BlockCount(budget, layout, options.MaxKvBlocks, maxRunning, modelContext);
        _storage = new KvBlockStorage(layout, blocks, budget);
        try
        {
            _pool = new KvBlockPool(_storage);
            if (options.PrefixCache.Enabled)
            {
                ulong fingerprint = options.PrefixCache.ModelFingerprint ??
                    (options.PrefixCache.DiskDirectory is null ? 0 : ModelFingerprint.Compute(config, weights, layout));
                _memPool = new MemPool(_pool, options.PrefixCache, fingerprint, loggerFactory?.CreateLogger<MemPool>());
            }
            ContextLimit = (int)Math.Min(modelContext, (long)blocks * layout.BlockTokens);
            _validator = new RequestValidator(tokenizer, config.VocabSize, modelContext, blocks, layout.BlockTokens);
            _embeddingValidator = new EmbeddingValidator(tokenizer, config.VocabSize, config.HiddenSize, modelContext, blocks, layout.BlockTokens);
            _embeddingPooling = options.EmbeddingPooling;
            _stopTokens = new StopTokens(config, tokenizer);

            _counters = new EngineCounters(_time);
            _admissions = new AdmissionQueue(options.AdmissionQueueCapacity);
            _scheduler = new Scheduler(_pool, maxBatchTokens, maxRunning, _counters, logger, _memPool);
            _loop = new EngineLoop(runner, _scheduler, _admissions.Reader, _counters, _time, logger, waitingLookahead: maxRunning);
            EngineLog.EngineStarted(logger, blocks, layout.BlockTokens, ContextLimit, maxRunning, Compute.CpuKernels.Description);
            _loop.Start();
        }
        catch
        {
            _memPool?.Dispose();
            _storage.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates an engine for a Llama-family model: builds the CPU runner (which charges weights and
    /// scratch to a budget of <see cref="LlmEngineOptions.MemoryBudgetBytes"/>), then gives the KV pool what
    /// the budget has left, minus a small reserve. <paramref name="weights"/> must outlive the engine; with
    /// <see cref="LlmEngineOptions.OwnsWeights"/> the engine disposes them (but not when Create throws).
    /// </summary>
    /// <exception cref="MemoryBudgetExceededException">The budget cannot hold the weights, the scratch and one KV block.</exception>
    public static LlmEngine Create(ModelConfig config, ITensorSource weights, ITokenizer tokenizer, LlmEngineOptions options,
        ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var budget = new MemoryBudget(options.MemoryBudgetBytes);
        if (weights.TotalBytes > budget.LimitBytes)
        {
            throw new MemoryBudgetExceededException(
                $"Memory budget exceeded: the weights need {MemoryBudget.Format(weights.TotalBytes)} but " +
                $"LlmEngineOptions.MemoryBudgetBytes is {MemoryBudget.Format(budget.LimitBytes)}.");
        }
        ModelInfo info = ModelInfo.Describe(options.ModelName, config, weights);
        IModelRunner runner = CreateRunner(config, weights, options, info.WeightDType, budget);
        try
        {
            return new LlmEngine(runner, budget, tokenizer, options, weights, loggerFactory, info);
        }
        catch
        {
            runner.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ModelInfo ModelInfo { get; }

    /// <inheritdoc />
    public ITokenizer Tokenizer { get; }

    /// <summary>Most tokens (prompt + output) one request can reach: the model's context, capped by
    /// <see cref="LlmEngineOptions.MaxContextTokens"/> and by the KV pool.</summary>
    public int ContextLimit { get; }

    /// <summary>The KV pool, for tests and diagnostics; only consistent while no request is in flight.</summary>
    internal KvBlockPool Pool => _pool;

    /// <summary>The MemPool behind the prefix cache (null when disabled), for tests and diagnostics; only
    /// consistent while no request is in flight.</summary>
    internal MemPool? MemPool => _memPool;

    /// <inheritdoc />
    public IAsyncEnumerable<GenerationUpdate> GenerateAsync(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int[] prompt = _validator.Validate(request);
        return StreamAsync(request, prompt, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<GenerationResult> CompleteAsync(GenerationRequest request, CancellationToken cancellationToken = default) =>
        await GenerationCollector.CollectAsync(GenerateAsync(request, cancellationToken), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    /// <remarks>Each input runs as a prefill-only sequence on the engine thread; see <see cref="EngineEmbeddings"/> for
    /// the prefix-cache policy.</remarks>
    public Task<EmbeddingResult> EmbedAsync(EmbeddingRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        int[][] inputs = _embeddingValidator.Validate(request);
        return EngineEmbeddings.RunAsync(this, request, inputs, request.Pooling ?? _embeddingPooling, cancellationToken);
    }

    /// <inheritdoc />
    public EngineStats GetStats() =>
        EngineStatsReader.Read(_scheduler, _admissions, _pool, _memPool, _storage, _budget, _counters);

    /// <summary>Stops the engine thread, ends every request in flight with <see cref="ObjectDisposedException"/>,
    /// and frees the runner, the KV cache and (when owned) the weights. Idempotent; waits for the current step.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _admissions.Close();
            _loop.RequestStop();
            await _loop.Exited.ConfigureAwait(false);
            _loop.Dispose();
            _memPool?.Dispose(); // persists to the disk tier while the device blocks are still readable
            _runner.Dispose();
            _storage.Dispose();
            _ownedWeights?.Dispose();
        }
        else
        {
            await _loop.Exited.ConfigureAwait(false);
        }
    }

    private IAsyncEnumerable<GenerationUpdate> StreamAsync(GenerationRequest request, int[] prompt,
        CancellationToken cancellationToken) =>
        StreamAsync(request.N > 1 ? CreateChoices(request, prompt) : CreateSequence(request, prompt), request.WaitForAdmission, cancellationToken);

    // The N sequences of a request with several choices; choice 0 is the one admitted (the others fork from it).
    private Sequence CreateChoices(GenerationRequest request, int[] prompt)
    {
        var group = new ChoiceGroup(request.N) { Open = request.N };
        int[] stopIds = _stopTokens.For(request);
        long now = _time.GetTimestamp();
        for (int c = 0; c < request.N; c++)
        {
            group.Choices[c] = new Sequence(Interlocked.Increment(ref _nextRequestId), prompt, request, ContextLimit, stopIds,
                Tokenizer.CreateDetokenizer(skipSpecialTokens: true), now, group, c) { UseCache = c == 0, Constraint = NewMatcher(request) };
        }
        return group.Choices[0];
    }

    /// <summary>Admits <paramref name="sequence"/> and streams its updates. A sequence that arrives holding blocks
    /// (imported KV) gets them released when its admission fails.</summary>
    internal async IAsyncEnumerable<GenerationUpdate> StreamAsync(Sequence sequence, bool waitForAdmission,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        try
        {
            await _admissions.AdmitAsync(sequence, waitForAdmission, cancellationToken).ConfigureAwait(false);
        }
        catch when (sequence.Blocks.Count > 0)
        {
            await ReleaseUnadmittedAsync(sequence).ConfigureAwait(false);
            throw;
        }
        bool ended = false;
        int open = sequence.Group?.Choices.Length ?? 1; // choices still without their final update
        try
        {
            ChannelReader<GenerationUpdate> updates = sequence.Updates;
            while (await updates.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (updates.TryRead(out GenerationUpdate? update))
                {
                    // Updates may already be buffered when the caller cancels: stop at once, don't drain them.
                    cancellationToken.ThrowIfCancellationRequested();
                    ended = update.IsFinal && --open == 0;
                    yield return update;
                    if (ended) yield break;
                }
            }
            ended = true;
            throw sequence.Error ?? new InvalidOperationException("The request ended without a final update.");
        }
        finally
        {
            if (!ended) _loop.Abandon(sequence);
        }
    }

    private static CpuModelRunner CreateRunner(ModelConfig config, ITensorSource weights, LlmEngineOptions options, DType weightDType,
        MemoryBudget budget) =>
        new(config, weights, new CpuRunnerOptions
        {
            MaxBatchTokens = options.MaxBatchTokens,
            MaxBatchSequences = options.MaxRunningSequences,
            Threads = options.Threads,
            Budget = budget,
            BlockTokens = options.BlockTokens,
            QuantizeWeightsToQ8 = options.QuantizeWeightsToQ8,
            PackWeights = options.PackWeights,
            KvCacheDType = options.ResolveKvCacheDType(weightDType),
        });

    /// <summary>A new sequence for a validated request; <paramref name="useCache"/> false keeps it out of the
    /// prefix cache, <paramref name="handoff"/> makes it prefill-only.</summary>
    internal Sequence CreateSequence(GenerationRequest request, int[] prompt, bool useCache = true, PrefillHandoff? handoff = null)
    {
        int[] stopIds = _stopTokens.For(request);
        IIncrementalDetokenizer detokenizer = Tokenizer.CreateDetokenizer(skipSpecialTokens: true);
        return new Sequence(Interlocked.Increment(ref _nextRequestId), prompt, request, ContextLimit, stopIds,
            detokenizer, _time.GetTimestamp()) { UseCache = useCache, Handoff = handoff, Constraint = NewMatcher(request) };
    }

    // The request's own position in its output constraint, or null when it has none.
    private ConstraintMatcher? NewMatcher(GenerationRequest request) =>
        request.Constraint is { } constraint ? new ConstraintMatcher(constraint, Vocabulary) : null;

    /// <summary>The tokenizer's tokens as bytes, built on the first constrained request. Thread-safe.</summary>
    internal TokenVocabulary Vocabulary => LazyInitializer.EnsureInitialized(ref _vocabulary, () => TokenVocabulary.FromTokenizer(Tokenizer));

    /// <summary>A new embedding sequence for a validated input; <paramref name="useCache"/> as for generation.</summary>
    internal Sequence CreateEmbeddingSequence(int[] input, EmbeddingJob job, bool useCache) =>
        new(Interlocked.Increment(ref _nextRequestId), input, EmbeddingSequenceRequest, ContextLimit, [],
            Tokenizer.CreateDetokenizer(skipSpecialTokens: true), _time.GetTimestamp()) { UseCache = useCache, Embedding = job };

    // What an embedding sequence's constructor reads (no token is ever sampled or appended).
    private static readonly GenerationRequest EmbeddingSequenceRequest = new() { MaxTokens = 1 };

    /// <summary>Validates <paramref name="request"/> and returns its prompt ids.</summary>
    internal int[] Validate(GenerationRequest request)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return _validator.Validate(request);
    }

    /// <summary>Queues a prefill-only sequence (its handoff carries the result).</summary>
    internal ValueTask AdmitAsync(Sequence sequence, bool waitForAdmission, CancellationToken cancellationToken) =>
        _admissions.AdmitAsync(sequence, waitForAdmission, cancellationToken);

    /// <summary>The engine thread, for posted work and abandonment.</summary>
    internal EngineLoop Loop => _loop;

    /// <summary>The scheduler (engine thread only).</summary>
    internal Scheduler Scheduler => _scheduler;

    /// <summary>The KV arena (block data may be read while the blocks are held).</summary>
    internal KvBlockStorage Storage => _storage;

    /// <summary>The time source.</summary>
    internal TimeProvider Time => _time;

    /// <summary>KV export, import and prefill/decode handoff for the cluster.</summary>
    internal EngineKv Kv => _kv ??= new EngineKv(this);

    /// <summary>Releases the blocks of a sequence that never reached the engine thread's queue.</summary>
    internal async Task ReleaseUnadmittedAsync(Sequence sequence)
    {
        try
        {
            await _loop.InvokeAsync(() =>
            {
                _scheduler.Remove(sequence);
                return true;
            }).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The engine stopped: its pool goes with it.
        }
    }
}
