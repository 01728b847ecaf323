using System.Buffers.Binary;
using System.Runtime.InteropServices;
using MemServe.Runner;

namespace MemServe.Transport;

/// <summary>
/// A <see cref="MessageType.HiddenStates"/> payload: <c>[i32 token count][i32 hidden size]</c> then
/// token count × hidden size floats (the rows of <see cref="HiddenStates"/>, little-endian FP32), for the
/// activations a pipeline stage hands to the next. The states' memory must stay unchanged until sent.
/// </summary>
public readonly struct HiddenStatesPayload : IFramePayload
{
    private const int HeaderBytes = 8;
    private readonly HiddenStates _states;

    /// <summary>Wraps <paramref name="states"/>.</summary>
    public HiddenStatesPayload(HiddenStates states)
    {
        ArgumentNullException.ThrowIfNull(states);
        _states = states;
    }

    /// <inheritdoc />
    public int Length => checked(HeaderBytes + _states.TokenCount * _states.HiddenSize * sizeof(float));

    /// <inheritdoc />
    public void CopyTo(int offset, Span<byte> destination)
    {
        if (offset < HeaderBytes)
        {
            Span<byte> header = stackalloc byte[HeaderBytes];
            BinaryPrimitives.WriteInt32LittleEndian(header, _states.TokenCount);
            BinaryPrimitives.WriteInt32LittleEndian(header[4..], _states.HiddenSize);
            int n = Math.Min(HeaderBytes - offset, destination.Length);
            header.Slice(offset, n).CopyTo(destination);
            destination = destination[n..];
            offset += n;
        }
        ReadOnlySpan<byte> data = MemoryMarshal.AsBytes(_states.Data.Span[..(_states.TokenCount * _states.HiddenSize)]);
        data.Slice(offset - HeaderBytes, destination.Length).CopyTo(destination);
    }

    /// <summary>Reads the shape of a hidden-states payload; a malformed one throws
    /// <see cref="KvTransportException"/> (<see cref="TransportErrorKind.ProtocolViolation"/>).</summary>
    public static (int TokenCount, int HiddenSize) ReadShape(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < HeaderBytes) TransportThrowHelper.ThrowProtocol("Hidden-states payload shorter than its header.");
        int tokens = BinaryPrimitives.ReadInt32LittleEndian(payload);
        int hidden = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        if (tokens < 0 || hidden <= 0 || (long)tokens * hidden * sizeof(float) != payload.Length - HeaderBytes)
            TransportThrowHelper.ThrowProtocol($"Hidden-states payload of {payload.Length} bytes does not hold {tokens}x{hidden} floats.");
        return (tokens, hidden);
    }

    /// <summary>Copies the activations of <paramref name="payload"/> into <paramref name="destination"/>
    /// (at least token count × hidden size floats) and returns the shape.</summary>
    public static (int TokenCount, int HiddenSize) CopyTo(ReadOnlySpan<byte> payload, Span<float> destination)
    {
        (int tokens, int hidden) = ReadShape(payload);
        MemoryMarshal.Cast<byte, float>(payload[HeaderBytes..]).CopyTo(destination);
        return (tokens, hidden);
    }
}
