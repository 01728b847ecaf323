using Microsoft.Extensions.Logging;

namespace MemServe.Memory;

/// <summary>Log messages of the MemPool and its tiers.</summary>
internal static partial class MemPoolLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning,
        Message = "Prefix cache: dropped disk block file {Path}: {Reason}.")]
    public static partial void DiskFileDropped(ILogger logger, string path, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information,
        Message = "Prefix cache: reloaded {Blocks} blocks from {Directory} ({Dropped} files dropped).")]
    public static partial void DiskReloaded(ILogger logger, int blocks, string directory, int dropped);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning,
        Message = "Prefix cache: could not write disk block file {Path}.")]
    public static partial void DiskWriteFailed(ILogger logger, Exception exception, string path);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information,
        Message = "Prefix cache: persisted {Blocks} blocks to {Directory}.")]
    public static partial void Persisted(ILogger logger, int blocks, string directory);
}
