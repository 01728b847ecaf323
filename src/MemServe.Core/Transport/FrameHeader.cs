namespace MemServe.Transport;

/// <summary>
/// The typed part of a frame's header. On the wire (little-endian) a frame is
/// <c>[u32 payload bytes][u16 magic "MS"][u8 version][u8 type][u16 flags][u16 reserved]
/// [i64 correlation id][i32 sequence][payload][u32 CRC-32C of everything before it]</c>:
/// <see cref="FrameFormat.HeaderBytes"/> bytes of header and a 4-byte checksum trailer.
/// </summary>
/// <param name="Type">What the payload is.</param>
/// <param name="CorrelationId">Request or transfer id that ties frames (and replies) together.</param>
/// <param name="Sequence">Position of the frame within its transfer, from 0.</param>
/// <param name="Flags">Flag bits.</param>
public readonly record struct FrameHeader(MessageType Type, long CorrelationId, int Sequence = 0,
    FrameFlags Flags = FrameFlags.None);
