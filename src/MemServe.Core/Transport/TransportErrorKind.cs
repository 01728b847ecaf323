namespace MemServe.Transport;

/// <summary>Why a transport operation failed.</summary>
public enum TransportErrorKind
{
    /// <summary>The endpoint could not be reached (connection refused, no route) after every retry.</summary>
    Unreachable,

    /// <summary>The peer went away (connection reset or closed) while the operation was pending, or the
    /// transport was closed locally. Frames in flight may or may not have arrived.</summary>
    PeerGone,

    /// <summary>A frame failed its checksum or had a malformed header; the connection was dropped.</summary>
    CorruptFrame,

    /// <summary>A send or receive did not finish within its configured timeout.</summary>
    Timeout,

    /// <summary>A frame's payload did not match what the receiver expected (wrong layout, wrong block
    /// count, unexpected message type).</summary>
    ProtocolViolation,
}
