using System.Buffers.Binary;
using System.Text;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Reads what <see cref="WireWriter"/> wrote, in the same order. A payload that ends early or holds an
/// impossible length throws <see cref="Transport.KvTransportException"/> with
/// <see cref="Transport.TransportErrorKind.ProtocolViolation"/>: a malformed frame is rejected, never trusted.
/// </summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _source;
    private int _offset;

    public WireReader(ReadOnlySpan<byte> source)
    {
        _source = source;
        _offset = 0;
    }

    /// <summary>Bytes not read yet.</summary>
    public readonly int Remaining => _source.Length - _offset;

    public byte ReadByte() => Take(1)[0];

    public bool ReadBool() => ReadByte() switch
    {
        0 => false,
        1 => true,
        byte other => RemoteThrowHelper.ProtocolViolation<bool>($"boolean byte {other}"),
    };

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public float ReadSingle() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    public long? ReadNullableInt64() => ReadBool() ? ReadInt64() : null;

    public string? ReadString()
    {
        int bytes = ReadInt32();
        if (bytes == -1) return null;
        if (bytes < 0 || bytes > Remaining) RemoteThrowHelper.ThrowProtocol($"string of {bytes} bytes with {Remaining} left");
        return bytes == 0 ? string.Empty : Encoding.UTF8.GetString(Take(bytes));
    }

    public int[]? ReadInt32List()
    {
        int count = ReadInt32();
        if (count == -1) return null;
        if (count < 0 || (long)count * 4 > Remaining) RemoteThrowHelper.ThrowProtocol($"list of {count} ints with {Remaining} bytes left");
        var values = new int[count];
        ReadOnlySpan<byte> span = Take(count * 4);
        for (int i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadInt32LittleEndian(span[(i * 4)..]);
        return values;
    }

    /// <summary>Throws when bytes are left over (a payload longer than its message).</summary>
    public readonly void EnsureEnd()
    {
        if (Remaining != 0) RemoteThrowHelper.ThrowProtocol($"{Remaining} unexpected trailing bytes");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > Remaining) RemoteThrowHelper.ThrowProtocol($"message ended early (needed {count} bytes, {Remaining} left)");
        ReadOnlySpan<byte> span = _source.Slice(_offset, count);
        _offset += count;
        return span;
    }
}
