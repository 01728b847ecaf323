namespace MemServe.Transport;

/// <summary>Settings of the in-process adapter.</summary>
public sealed class InProcessTransportOptions
{
    /// <summary>Frames one direction may hold before a sender waits. Default 16: enough to keep a by-layer
    /// stream flowing, small enough that a stalled receiver holds at most 16 frames of the sender's data.</summary>
    public int CapacityFrames { get; init; } = 16;

    /// <summary>Largest payload accepted, in bytes. Default 1 GiB, as for TCP.</summary>
    public int MaxPayloadBytes { get; init; } = 1 << 30;

    internal static InProcessTransportOptions Default { get; } = new();
}
