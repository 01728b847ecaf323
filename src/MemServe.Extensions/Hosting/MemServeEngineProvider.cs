using System.Diagnostics;
using MemServe.Engine;
using MemServe.Model;
using Microsoft.Extensions.Logging;

namespace MemServe.Extensions;

/// <summary>
/// Owns one registered engine (or cluster, see <see cref="MemServeEngineFactory"/>): creates it once, on first use or when the
/// hosted service starts, and disposes it when the host stops or the container is disposed. Thread-safe;
/// every caller gets the same engine (wrapped for metrics) or the same load error.
/// </summary>
internal sealed class MemServeEngineProvider : IAsyncDisposable
{
    private readonly MemServeOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly MemServeMetrics _metrics;
    private readonly Lock _gate = new();
    private Task<MemServeLoadedEngine>? _load;
    private volatile MemServeEngineState _state;
    private int _disposed;

    public MemServeEngineProvider(string name, MemServeOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory,
        MemServeMetrics metrics)
    {
        Name = name;
        _options = options;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<MemServeEngineProvider>();
        _metrics = metrics;
    }

    /// <summary>The options name (empty for the unkeyed engine).</summary>
    public string Name { get; }

    /// <summary>The settings the engine is built from.</summary>
    public MemServeOptions Options => _options;

    /// <summary>The engine's state now.</summary>
    public MemServeEngineState State => _state;

    /// <summary>Why loading failed, when <see cref="State"/> is <see cref="MemServeEngineState.Failed"/>.</summary>
    public Exception? LoadError => _load is { IsFaulted: true } load ? load.Exception?.InnerException : null;

    /// <summary>Starts loading when nobody has yet; returns the load, which completes with the engine.</summary>
    public Task<MemServeLoadedEngine> GetAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        Task<MemServeLoadedEngine>? load = _load;
        if (load is null)
        {
            lock (_gate)
            {
                ObjectDisposedException.ThrowIf(_disposed != 0, this);
                load = _load ??= StartLoad();
            }
        }
        return cancellationToken.CanBeCanceled ? load.WaitAsync(cancellationToken) : load;
    }

    /// <summary>The engine, loading it first when needed (blocks the calling thread while it loads).</summary>
    public MemServeLoadedEngine Get() => GetAsync().GetAwaiter().GetResult();

    /// <summary>The engine when it is ready, without waiting.</summary>
    public bool TryGet(out MemServeLoadedEngine? loaded)
    {
        loaded = _load is { IsCompletedSuccessfully: true } load ? load.Result : null;
        return loaded is not null;
    }

    /// <summary>Disposes the engine after any load in flight. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        Task<MemServeLoadedEngine>? load;
        lock (_gate)
        {
            if (_disposed != 0) return;
            _disposed = 1;
            load = _load;
        }
        if (load is null)
        {
            _state = MemServeEngineState.Disposed;
            return;
        }
        try
        {
            MemServeLoadedEngine loaded = await load.ConfigureAwait(false);
            MemServeLog.EngineStopping(_logger, DisplayName, loaded.Engine.ModelInfo.Name);
            await loaded.Engine.DisposeAsync().ConfigureAwait(false);
            loaded.SharedWeights?.Dispose(); // after the instances that read them
        }
        catch (Exception) when (load.IsFaulted)
        {
            // The load error was logged when it happened; there is nothing to free.
        }
        _state = MemServeEngineState.Disposed;
    }

    private string DisplayName => Name.Length == 0 ? "(default)" : Name;

    private Task<MemServeLoadedEngine> StartLoad()
    {
        _state = MemServeEngineState.Loading;
        return Task.Run(() =>
        {
            try
            {
                MemServeLoadedEngine loaded = Load();
                _state = MemServeEngineState.Ready;
                return loaded;
            }
            catch (Exception ex)
            {
                _state = MemServeEngineState.Failed;
                string model = _options.ModelPath ?? DefaultModel.Name;
                MemServeLog.EngineLoadFailed(_logger, DisplayName, model, $"{ex.Message.ReplaceLineEndings(" ")} ({ex.GetType().Name})");
                MemServeLog.EngineLoadFailedDetail(_logger, DisplayName, model, ex);
                throw;
            }
        });
    }

    private MemServeLoadedEngine Load()
    {
        long start = Stopwatch.GetTimestamp();
        MemServeLog.EngineLoading(_logger, DisplayName, _options.ModelPath ?? DefaultModel.Name);
        MemServeEngineParts parts = MemServeEngineFactory.Create(_options, _timeProvider, _loggerFactory);
        var metered = new MeteredLlmEngine(parts.Engine, _metrics);
        _metrics.Register(metered);
        MemServeLog.EngineLoaded(_logger, DisplayName, parts.Engine.ModelInfo.Name, parts.Engine.ModelInfo.ParameterCount,
            Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        int contextTokens = parts.Engine is LlmEngine single
            ? single.ContextLimit
            : Math.Min(parts.Engine.ModelInfo.Config.MaxPositionEmbeddings, _options.MaxContextTokens ?? int.MaxValue);
        return new MemServeLoadedEngine(metered, parts.ModelDirectory, _timeProvider.GetUtcNow(), parts.SharedWeights, contextTokens);
    }
}
