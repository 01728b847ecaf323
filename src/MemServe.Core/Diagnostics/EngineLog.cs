using Microsoft.Extensions.Logging;

namespace MemServe.Diagnostics;

/// <summary>The engine's log messages, source-generated so that a disabled level costs a check only.</summary>
internal static partial class EngineLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Engine started: {KvBlocks} KV blocks of {BlockTokens} tokens, context limit {ContextLimit} tokens, up to {MaxRunning} running requests; CPU kernels {KernelPath}.")]
    public static partial void EngineStarted(ILogger logger, int kvBlocks, int blockTokens, int contextLimit, int maxRunning, string kernelPath);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug,
        Message = "Request {RequestId} admitted with {PromptTokens} prompt tokens.")]
    public static partial void RequestAdmitted(ILogger logger, long requestId, int promptTokens);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information,
        Message = "Request {RequestId} preempted: freed {Blocks} KV blocks; it will recompute {Tokens} tokens.")]
    public static partial void RequestPreempted(ILogger logger, long requestId, int blocks, int tokens);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Request {RequestId} failed.")]
    public static partial void RequestFailed(ILogger logger, Exception exception, long requestId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error,
        Message = "The model runner failed on a step of {Sequences} sequences; they fail, the engine goes on.")]
    public static partial void RunnerFailed(ILogger logger, Exception exception, int sequences);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error, Message = "An engine step failed; every request in flight fails.")]
    public static partial void StepFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 7, Level = LogLevel.Debug, Message = "Request {RequestId} cancelled by its caller.")]
    public static partial void RequestCancelled(ILogger logger, long requestId);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Engine stopped; {Ended} requests in flight were ended.")]
    public static partial void EngineStopped(ILogger logger, int ended);
}
