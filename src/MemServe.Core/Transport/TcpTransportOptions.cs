namespace MemServe.Transport;

/// <summary>Settings of the TCP adapter. Every default is explained on its property; the object is read
/// when a connection or listener is created and must not change afterwards.</summary>
public sealed class TcpTransportOptions
{
    /// <summary>Largest payload accepted, in bytes; a frame announcing more is rejected as corrupt
    /// before its payload is read. Default 1 GiB (a 16-token block of a 70B model is ~5 MiB, so
    /// this fits a few hundred blocks in one aggregated frame).</summary>
    public int MaxPayloadBytes { get; init; } = 1 << 30;

    /// <summary>Unsent bytes at which a sender waits, and unread bytes at which the receiving side stops
    /// reading its socket (the pipes' pause threshold; they resume at half). Default 4 MiB.</summary>
    public int BackPressureBytes { get; init; } = 4 << 20;

    /// <summary>Payload bytes copied into the send pipe between flushes (the granularity at which a large
    /// frame waits for back-pressure). Default 256 KiB.</summary>
    public int ChunkBytes { get; init; } = 256 << 10;

    /// <summary>Longest a send may take, back-pressure waits included; on expiry the connection is dropped
    /// (the frame may be half written). Default 30 s. <see cref="Timeout.InfiniteTimeSpan"/> disables it.</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest <see cref="IKvTransport.ReceiveAsync"/> waits for a frame; on expiry it throws and the
    /// connection stays usable. Default infinite (a link may be idle for long).</summary>
    public TimeSpan ReceiveTimeout { get; init; } = Timeout.InfiniteTimeSpan;

    /// <summary>Longest one connection attempt may take. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Connection attempts of a client before it reports <see cref="TransportErrorKind.Unreachable"/>.
    /// Default 5.</summary>
    public int ConnectAttempts { get; init; } = 5;

    /// <summary>Wait after the first failed attempt; doubles after each further one. Default 50 ms.</summary>
    public TimeSpan ReconnectBaseDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Ceiling of the doubling wait. Default 2 s.</summary>
    public TimeSpan ReconnectMaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Kernel socket buffer size (send and receive), or null for the OS default. Small values make
    /// back-pressure reach the sender sooner (tests use this).</summary>
    public int? SocketBufferBytes { get; init; }

    /// <summary>Clock for timeouts and backoff. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal static TcpTransportOptions Default { get; } = new();
}
