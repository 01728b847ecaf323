namespace MemServe.Cluster.Remote;

/// <summary>Why a remote request failed, as the host reports it; the client raises the matching exception
/// type so a remote engine fails the way a local one does. Byte values are the wire format.</summary>
public enum RemoteErrorKind : byte
{
    /// <summary>The request was invalid (<see cref="InvalidRequestException"/>).</summary>
    InvalidRequest = 1,

    /// <summary>The host's admission queue was full (<see cref="Engine.EngineOverloadedException"/>).</summary>
    Overloaded = 2,

    /// <summary>The request cannot fit the host's KV cache (<see cref="MemoryBudgetExceededException"/>).</summary>
    MemoryBudgetExceeded = 3,

    /// <summary>The host failed the request for another reason (<see cref="MemServeException"/>).</summary>
    Failed = 4,

    /// <summary>The host is shutting down (<see cref="RemoteInstanceException"/>).</summary>
    ShuttingDown = 5,
}
