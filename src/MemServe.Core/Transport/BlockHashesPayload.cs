using System.Buffers.Binary;

namespace MemServe.Transport;

/// <summary>
/// An <see cref="MessageType.InsertEvent"/> or <see cref="MessageType.EvictEvent"/> payload:
/// <c>[i32 count][u64 chained block hash × count]</c>, root first, little-endian. The hashes are those of
/// <c>MemServe.Cluster.BlockHasher</c>, so the global prompt tree can index them directly.
/// </summary>
public readonly struct BlockHashesPayload : IFramePayload
{
    private readonly ReadOnlyMemory<ulong> _hashes;

    /// <summary>Wraps <paramref name="hashes"/> (not copied until sent).</summary>
    public BlockHashesPayload(ReadOnlyMemory<ulong> hashes) => _hashes = hashes;

    /// <inheritdoc />
    public int Length => 4 + _hashes.Length * sizeof(ulong);

    /// <inheritdoc />
    public void CopyTo(int offset, Span<byte> destination)
    {
        Span<byte> scratch = stackalloc byte[8];
        ReadOnlySpan<ulong> hashes = _hashes.Span;
        for (int i = 0; i < destination.Length; i++)
        {
            int at = offset + i;
            if (at < 4)
            {
                BinaryPrimitives.WriteInt32LittleEndian(scratch, hashes.Length);
                destination[i] = scratch[at];
                continue;
            }
            int index = (at - 4) >> 3;
            if (((at - 4) & 7) == 0 && destination.Length - i >= 8)
            {
                BinaryPrimitives.WriteUInt64LittleEndian(destination[i..], hashes[index]);
                i += 7;
                continue;
            }
            BinaryPrimitives.WriteUInt64LittleEndian(scratch, hashes[index]);
            destination[i] = scratch[(at - 4) & 7];
        }
    }

    /// <summary>Decodes a payload; a malformed one throws <see cref="KvTransportException"/>
    /// (<see cref="TransportErrorKind.ProtocolViolation"/>).</summary>
    public static ulong[] Read(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4) TransportThrowHelper.ThrowProtocol("Block-hash payload shorter than its count.");
        int count = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (count < 0 || (long)count * sizeof(ulong) != payload.Length - 4)
            TransportThrowHelper.ThrowProtocol($"Block-hash payload of {payload.Length} bytes does not hold {count} hashes.");
        var hashes = new ulong[count];
        for (int i = 0; i < count; i++) hashes[i] = BinaryPrimitives.ReadUInt64LittleEndian(payload[(4 + i * 8)..]);
        return hashes;
    }
}
