namespace MemServe.Model;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood): a tiny, fast, fully specified 64-bit generator. Used where
/// MemServe needs the same pseudo-random numbers on every machine and .NET version (the default
/// model's weights), which <see cref="Random"/> does not promise. Not thread-safe; a mutable struct.
/// </summary>
internal struct SplitMix64
{
    private ulong _state;

    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        ulong z = _state += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// An approximately standard-normal value: the sum of four 16-bit uniforms from one draw, centred
    /// and scaled to unit variance (Irwin–Hall; bounded by ±2√3).
    /// </summary>
    public float NextNormalish()
    {
        ulong r = Next();
        const float scale = 1f / 65536f;
        float sum = ((r & 0xFFFF) + ((r >> 16) & 0xFFFF) + ((r >> 32) & 0xFFFF) + (r >> 48) + 2f) * scale;
        return (sum - 2f) * 1.7320508f;
    }
}
