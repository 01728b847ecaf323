using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MemServe.Cluster.Remote;

/// <summary>
/// Builds one remote-protocol payload in a buffer rented from <see cref="ArrayPool{T}.Shared"/>: little-endian
/// integers, floats and length-prefixed UTF-8 strings. <see cref="Reset"/> makes the writer reusable, so a
/// stream of updates for one request encodes into the same buffer (no allocation per token once it has grown).
/// Not thread-safe; <see cref="Dispose"/> returns the buffer (the written memory must not be used after).
/// </summary>
internal sealed class WireWriter : IDisposable
{
    private byte[] _buffer;
    private int _length;

    public WireWriter(int initialBytes = 256) => _buffer = ArrayPool<byte>.Shared.Rent(initialBytes);

    /// <summary>Bytes written since the last <see cref="Reset"/>.</summary>
    public int Length => _length;

    /// <summary>The bytes written (valid until the next write, <see cref="Reset"/> or <see cref="Dispose"/>).</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public WireWriter Reset()
    {
        _length = 0;
        return this;
    }

    public void WriteByte(byte value) => Take(1)[0] = value;

    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Take(4), value);

    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Take(8), value);

    public void WriteSingle(float value) => BinaryPrimitives.WriteSingleLittleEndian(Take(4), value);

    public void WriteDouble(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Take(8), value);

    /// <summary>A nullable 64-bit value: a presence byte, then the value when present.</summary>
    public void WriteNullableInt64(long? value)
    {
        WriteBool(value.HasValue);
        if (value is long v) WriteInt64(v);
    }

    /// <summary>A string as <c>[i32 byte count][UTF-8]</c>; null is written as count -1.</summary>
    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteInt32(-1);
            return;
        }
        int bytes = Encoding.UTF8.GetByteCount(value);
        WriteInt32(bytes);
        Encoding.UTF8.GetBytes(value, Take(bytes));
    }

    /// <summary>A list of ints as <c>[i32 count][i32 × count]</c>; null is written as count -1.</summary>
    public void WriteInt32List(IReadOnlyList<int>? values)
    {
        if (values is null)
        {
            WriteInt32(-1);
            return;
        }
        WriteInt32(values.Count);
        Span<byte> span = Take(values.Count * 4);
        for (int i = 0; i < values.Count; i++) BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], values[i]);
    }

    public void Dispose()
    {
        byte[] buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0) ArrayPool<byte>.Shared.Return(buffer);
    }

    private Span<byte> Take(int count)
    {
        if (_length + count > _buffer.Length) Grow(_length + count);
        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    private void Grow(int needed)
    {
        byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, _buffer.Length * 2));
        _buffer.AsSpan(0, _length).CopyTo(larger);
        if (_buffer.Length > 0) ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
