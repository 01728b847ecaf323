namespace MemServe.Transport;

/// <summary>A transport failure; <see cref="Kind"/> says which. After <see cref="TransportErrorKind.CorruptFrame"/>,
/// <see cref="TransportErrorKind.PeerGone"/> and a send <see cref="TransportErrorKind.Timeout"/> the connection is
/// closed; a receive timeout leaves it usable.</summary>
public class KvTransportException : MemServeException
{
    /// <summary>Creates the exception.</summary>
    public KvTransportException(TransportErrorKind kind, string message) : base(message) => Kind = kind;

    /// <summary>Creates the exception with its cause.</summary>
    public KvTransportException(TransportErrorKind kind, string message, Exception innerException)
        : base(message, innerException) => Kind = kind;

    /// <summary>Creates the exception with a message; kind <see cref="TransportErrorKind.PeerGone"/>.</summary>
    public KvTransportException(string message) : base(message) => Kind = TransportErrorKind.PeerGone;

    /// <summary>Creates the exception with a message and cause; kind <see cref="TransportErrorKind.PeerGone"/>.</summary>
    public KvTransportException(string message, Exception innerException) : base(message, innerException) =>
        Kind = TransportErrorKind.PeerGone;

    /// <summary>Creates the exception with no message; prefer the constructors that name the problem.</summary>
    public KvTransportException() => Kind = TransportErrorKind.PeerGone;

    /// <summary>What went wrong.</summary>
    public TransportErrorKind Kind { get; }
}
