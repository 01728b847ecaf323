using System.Diagnostics.CodeAnalysis;

namespace MemServe.Transport;

/// <summary>Cold throw paths of the transport, kept out of the hot methods.</summary>
internal static class TransportThrowHelper
{
    [DoesNotReturn]
    public static void ThrowCorrupt(string detail) =>
        throw new KvTransportException(TransportErrorKind.CorruptFrame, $"Rejected a malformed frame: {detail}.");

    [DoesNotReturn]
    public static void ThrowPeerGone(string who, Exception? cause = null) =>
        throw (cause is null
            ? new KvTransportException(TransportErrorKind.PeerGone, $"Transport to {who} is closed.")
            : new KvTransportException(TransportErrorKind.PeerGone, $"Transport to {who} is closed: {cause.Message}", cause));

    [DoesNotReturn]
    public static void ThrowTimeout(string operation, string who, TimeSpan limit) =>
        throw new KvTransportException(TransportErrorKind.Timeout, $"{operation} to {who} did not finish within {limit}.");

    [DoesNotReturn]
    public static void ThrowProtocol(string detail) =>
        throw new KvTransportException(TransportErrorKind.ProtocolViolation, detail);

    public static KvTransportException Unreachable(string who, int attempts, Exception? cause) =>
        new KvTransportException(TransportErrorKind.Unreachable,
            $"Could not connect to {who} after {attempts} attempt(s){(cause is null ? "" : ": " + cause.Message)}.",
            cause ?? new InvalidOperationException("no attempt made"));
}
