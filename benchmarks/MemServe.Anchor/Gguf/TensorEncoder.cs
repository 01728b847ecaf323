using System.Buffers.Binary;

namespace MemServe.Anchor.Gguf;

/// <summary>
/// Encodes FP32 values into the bytes of a ggml type: F32 as is, F16 (round to nearest), BF16 (round to
/// nearest even, like ggml's <c>ggml_fp32_to_bf16</c>), Q8_0 (per 32 values: scale d = max|x| / 127 stored
/// as FP16, then round(x / d) as int8).
/// </summary>
internal static class TensorEncoder
{
    /// <summary>Writes <paramref name="values"/> as <paramref name="type"/> into <paramref name="destination"/>,
    /// which must hold exactly <see cref="GgmlTypeInfo.ByteCount"/> bytes.</summary>
    public static void Encode(GgmlType type, ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (destination.Length != GgmlTypeInfo.ByteCount(type, values.Length))
            throw new ArgumentException("destination size does not match the values", nameof(destination));
        switch (type)
        {
            case GgmlType.F32:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], values[i]);
                break;
            case GgmlType.F16:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteHalfLittleEndian(destination[(i * 2)..], (Half)values[i]);
                break;
            case GgmlType.BF16:
                for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt16LittleEndian(destination[(i * 2)..], ToBF16(values[i]));
                break;
            case GgmlType.Q8_0:
                for (int b = 0; b < values.Length / GgmlTypeInfo.Q8BlockElements; b++)
                {
                    EncodeQ8Block(values.Slice(b * GgmlTypeInfo.Q8BlockElements, GgmlTypeInfo.Q8BlockElements),
                        destination.Slice(b * GgmlTypeInfo.Q8BlockBytes, GgmlTypeInfo.Q8BlockBytes));
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml type");
        }
    }

    /// <summary>FP32 → BF16 bits, round to nearest even; NaN stays a quiet NaN.</summary>
    public static ushort ToBF16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) return (ushort)((bits >> 16) | 0x40);
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>BF16 bits → FP32.</summary>
    public static float FromBF16(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    private static void EncodeQ8Block(ReadOnlySpan<float> block, Span<byte> destination)
    {
        float amax = 0;
        foreach (float v in block) amax = MathF.Max(amax, MathF.Abs(v));
        float d = amax / 127f, id = d != 0 ? 1f / d : 0f;
        BinaryPrimitives.WriteHalfLittleEndian(destination, (Half)d);
        for (int i = 0; i < block.Length; i++) destination[2 + i] = (byte)(sbyte)MathF.Round(block[i] * id);
    }
}
