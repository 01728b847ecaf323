using System.Buffers.Binary;

namespace MemServe.Transport;

/// <summary>Wire constants and the header codec shared by every adapter. Stateless.</summary>
internal static class FrameFormat
{
    /// <summary>Bytes before the payload.</summary>
    public const int HeaderBytes = 24;

    /// <summary>Bytes after the payload (the checksum).</summary>
    public const int TrailerBytes = 4;

    /// <summary>Magic "MS" as a little-endian u16.</summary>
    public const ushort Magic = 0x534D;

    /// <summary>Format version.</summary>
    public const byte Version = 1;

    private const ushort KnownFlags = (ushort)(FrameFlags.EndOfTransfer | FrameFlags.Response | FrameFlags.Error);

    /// <summary>Writes the header of a frame with <paramref name="payloadBytes"/> payload bytes.</summary>
    public static void WriteHeader(Span<byte> destination, in FrameHeader header, int payloadBytes)
    {
        BinaryPrimitives.WriteInt32LittleEndian(destination, payloadBytes);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], Magic);
        destination[6] = Version;
        destination[7] = (byte)header.Type;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[8..], (ushort)header.Flags);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[10..], 0);
        BinaryPrimitives.WriteInt64LittleEndian(destination[12..], header.CorrelationId);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], header.Sequence);
    }

    /// <summary>Parses and validates a header; a bad field throws <see cref="KvTransportException"/>
    /// (<see cref="TransportErrorKind.CorruptFrame"/>). The checksum is checked later, over the whole frame.</summary>
    public static FrameHeader ReadHeader(ReadOnlySpan<byte> source, int maxPayloadBytes, out int payloadBytes)
    {
        payloadBytes = BinaryPrimitives.ReadInt32LittleEndian(source);
        if (payloadBytes < 0 || payloadBytes > maxPayloadBytes)
            TransportThrowHelper.ThrowCorrupt($"payload length {payloadBytes} outside 0..{maxPayloadBytes}");
        if (BinaryPrimitives.ReadUInt16LittleEndian(source[4..]) != Magic || source[6] != Version)
            TransportThrowHelper.ThrowCorrupt("bad magic or version");
        var type = (MessageType)source[7];
        if (type < MessageType.KvBlocks || type > MessageType.Control)
            TransportThrowHelper.ThrowCorrupt($"unknown message type {source[7]}");
        ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(source[8..]);
        if ((flags & ~KnownFlags) != 0 || BinaryPrimitives.ReadUInt16LittleEndian(source[10..]) != 0)
            TransportThrowHelper.ThrowCorrupt($"unknown flag bits 0x{flags:X4}");
        long correlation = BinaryPrimitives.ReadInt64LittleEndian(source[12..]);
        int sequence = BinaryPrimitives.ReadInt32LittleEndian(source[20..]);
        return new FrameHeader(type, correlation, sequence, (FrameFlags)flags);
    }
}
