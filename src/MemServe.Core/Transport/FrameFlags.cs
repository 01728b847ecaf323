namespace MemServe.Transport;

/// <summary>Frame flag bits (16 on the wire). A frame with a bit not named here is rejected.</summary>
[Flags]
public enum FrameFlags : ushort
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>The last frame of a multi-frame transfer (the final layer range of a by-layer stream;
    /// always set on an aggregated KV frame).</summary>
    EndOfTransfer = 1,

    /// <summary>The frame answers an earlier frame with the same correlation id.</summary>
    Response = 2,

    /// <summary>The sender reports a failure; the payload is a UTF-8 message.</summary>
    Error = 4,
}
