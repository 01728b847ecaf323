using System.Diagnostics.CodeAnalysis;
using MemServe.Engine;
using MemServe.Transport;

namespace MemServe.Cluster.Remote;

/// <summary>Cold throw paths of the remote protocol, and the mapping between exceptions and
/// <see cref="RemoteErrorKind"/> in both directions.</summary>
internal static class RemoteThrowHelper
{
    [DoesNotReturn]
    public static void ThrowProtocol(string detail) =>
        throw new KvTransportException(TransportErrorKind.ProtocolViolation, $"Malformed remote-engine message: {detail}.");

    [DoesNotReturn]
    public static T ProtocolViolation<T>(string detail)
    {
        ThrowProtocol(detail);
        return default;
    }

    /// <summary>The kind a host reports for <paramref name="error"/>.</summary>
    public static RemoteErrorKind KindOf(Exception error) => error switch
    {
        InvalidRequestException => RemoteErrorKind.InvalidRequest,
        EngineOverloadedException => RemoteErrorKind.Overloaded,
        MemoryBudgetExceededException => RemoteErrorKind.MemoryBudgetExceeded,
        ObjectDisposedException => RemoteErrorKind.ShuttingDown,
        _ => RemoteErrorKind.Failed,
    };

    /// <summary>The exception a client raises for an error the host reported.</summary>
    public static Exception FromRemote(RemoteErrorKind kind, string message, string instanceId, string endpoint) => kind switch
    {
        RemoteErrorKind.InvalidRequest => new InvalidRequestException(message),
        RemoteErrorKind.Overloaded => new EngineOverloadedException($"Remote instance {instanceId}: {message}"),
        RemoteErrorKind.MemoryBudgetExceeded => new MemoryBudgetExceededException(message),
        RemoteErrorKind.ShuttingDown => new RemoteInstanceException(instanceId, endpoint,
            $"Remote instance {instanceId} ({endpoint}) is shutting down: {message}"),
        _ => new MemServeException($"Remote instance {instanceId} ({endpoint}) failed the request: {message}"),
    };

    public static RemoteInstanceException ConnectionLost(string instanceId, string endpoint, Exception? cause) =>
        new(instanceId, endpoint,
            $"Remote instance {instanceId} ({endpoint}) was lost while the request ran{(cause is null ? "" : ": " + cause.Message)}", cause);

    public static RemoteInstanceException Unreachable(string instanceId, string endpoint, Exception? cause) =>
        new(instanceId, endpoint,
            $"Remote instance {instanceId} at {endpoint} is unreachable{(cause is null ? "" : ": " + cause.Message)}", cause);

    public static RemoteInstanceException NoAnswer(string instanceId, string endpoint, string what, TimeSpan limit) =>
        new(instanceId, endpoint, $"Remote instance {instanceId} ({endpoint}) did not answer {what} within {limit}.");
}
