namespace MemServe.Core.Tests.Model;

/// <summary>Slow, obviously-correct conversions the fast ones are checked against.</summary>
internal static class HalfReference
{
    /// <summary>F32 → BF16 by comparing the two neighbouring BF16 values in double precision.</summary>
    public static ushort FloatToBF16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        ushort down = (ushort)(bits >> 16); // truncation: toward zero in magnitude
        double exact = value;
        double downValue = BF16Magnitude(down);
        if (Math.Abs(exact) == downValue) return down;
        ushort up = (ushort)(down + 1);
        double upValue = BF16Magnitude(up);
        double toDown = Math.Abs(exact) - downValue;
        double toUp = upValue - Math.Abs(exact);
        if (toDown < toUp) return down;
        if (toUp < toDown) return up;
        return (down & 1) == 0 ? down : up;
    }

    /// <summary>|value| of a BF16 pattern, treating the infinity pattern as 2^128 (the next step past the max).</summary>
    private static double BF16Magnitude(ushort bits)
    {
        int magnitude = bits & 0x7FFF;
        if (magnitude == 0x7F80) return Math.Pow(2, 128);
        return Math.Abs((double)BitConverter.UInt32BitsToSingle((uint)magnitude << 16));
    }

    /// <summary>Decodes an IEEE half from its fields.</summary>
    public static double DecodeF16(ushort bits)
    {
        int sign = (bits >> 15) != 0 ? -1 : 1;
        int exponent = (bits >> 10) & 0x1F;
        int mantissa = bits & 0x3FF;
        if (exponent == 0x1F) return mantissa == 0 ? sign * double.PositiveInfinity : double.NaN;
        if (exponent == 0) return sign * mantissa * Math.Pow(2, -24);
        return sign * (1024 + mantissa) * Math.Pow(2, exponent - 25);
    }

    /// <summary>F32 → F16: scale to units of the target's last place, round half to even, rescale.</summary>
    public static ushort FloatToF16(float value)
    {
        if (float.IsInfinity(value)) return value > 0 ? (ushort)0x7C00 : (ushort)0xFC00;
        double magnitude = Math.Abs((double)value);
        ushort sign = value < 0 || (value == 0 && float.IsNegative(value)) ? (ushort)0x8000 : (ushort)0;
        if (magnitude >= 65520) return (ushort)(sign | 0x7C00);
        if (magnitude == 0) return sign;
        int exponent = Math.Max(Math.ILogB(magnitude), -14);
        double ulp = Math.Pow(2, exponent - 10);
        double rounded = Math.Round(magnitude / ulp, MidpointRounding.ToEven) * ulp;
        return (ushort)(sign | BitConverter.HalfToUInt16Bits((Half)rounded));
    }

    /// <summary>A mix of ordinary, tiny, huge, tie and special values (deterministic).</summary>
    public static float[] InterestingFloats(int count)
    {
        float[] special =
        [
            0f, -0f, 1f, -1f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.MaxValue, float.Epsilon,
            BitConverter.UInt32BitsToSingle(0x3F80_8000), BitConverter.UInt32BitsToSingle(0x3F81_8000),
            1f + 1f / 2048, 1f + 3f / 2048, 65504f, 65520f, 6.1035156e-5f, 5.9604645e-8f, 2.9802322e-8f,
        ];
        var values = new float[count];
        special.CopyTo(values, 0);
        ulong state = 99;
        for (int i = special.Length; i < count; i++)
        {
            state = state * 6364136223846793005UL + 1442695040888963407UL;
            double unit = (state >> 11) * (1.0 / (1UL << 53));
            double scale = Math.Pow(2, (int)(state % 50) - 30); // 2^-30 .. 2^19: subnormal halves to overflow
            values[i] = (float)((unit - 0.5) * 2 * scale);
        }
        return values;
    }
}
