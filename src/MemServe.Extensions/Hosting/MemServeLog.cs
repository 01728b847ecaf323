using Microsoft.Extensions.Logging;

namespace MemServe.Extensions;

/// <summary>Log messages of the hosting layer; event ids are stable.</summary>
internal static partial class MemServeLog
{
    [LoggerMessage(1, LogLevel.Information, "MemServe engine {Engine}: loading {Model}")]
    public static partial void EngineLoading(ILogger logger, string engine, string model);

    [LoggerMessage(2, LogLevel.Information, "MemServe engine {Engine}: serving {ModelName} ({Parameters} parameters), loaded in {ElapsedMs:F0} ms")]
    public static partial void EngineLoaded(ILogger logger, string engine, string modelName, long parameters, double elapsedMs);

    // One line with the reason (no stack trace: a bad path or a broken model folder is an operator's error,
    // not a bug); the exception itself is logged at Debug (event 7).
    [LoggerMessage(3, LogLevel.Error, "MemServe engine {Engine}: loading {Model} failed: {Reason}")]
    public static partial void EngineLoadFailed(ILogger logger, string engine, string model, string reason);

    [LoggerMessage(7, LogLevel.Debug, "MemServe engine {Engine}: loading {Model} failed")]
    public static partial void EngineLoadFailedDetail(ILogger logger, string engine, string model, Exception exception);

    [LoggerMessage(4, LogLevel.Information, "MemServe engine {Engine}: stopping {ModelName}")]
    public static partial void EngineStopping(ILogger logger, string engine, string modelName);

    [LoggerMessage(5, LogLevel.Warning, "MemServe engine {Engine}: request rejected, admission queue full")]
    public static partial void RequestRejected(ILogger logger, string engine);

    [LoggerMessage(6, LogLevel.Error, "MemServe engine {Engine}: request failed")]
    public static partial void RequestFailed(ILogger logger, string engine, Exception exception);
}
