namespace MemServe.Anchor;

/// <summary>SplitMix64: a tiny, fast, deterministic generator for random benchmark weights.</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        ulong z = _state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 24 bits.</summary>
    public float NextUnit() => (Next() >> 40) * (1f / (1 << 24));

    /// <summary>Roughly standard normal: the sum of four uniforms, centred and scaled to variance 1.</summary>
    public float NextNormalish()
    {
        ulong a = Next(), b = Next();
        float sum = (a >> 40) + ((a >> 8) & 0xFF_FFFF) + (b >> 40) + ((b >> 8) & 0xFF_FFFF);
        return (sum * (1f / (1 << 24)) - 2f) * 1.7320508f; // Irwin–Hall(4): variance 1/3
    }
}
