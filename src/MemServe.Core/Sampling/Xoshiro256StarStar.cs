namespace MemServe.Sampling;

/// <summary>
/// xoshiro256** (Blackman and Vigna): a small, fast generator with 256 bits of state, seeded through
/// splitmix64 so that any 64-bit seed gives a well-mixed state. A mutable struct: keep it in a field and
/// call it through that field (copies advance independently). Not thread-safe.
/// </summary>
public struct Xoshiro256StarStar
{
    private ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator whose sequence depends only on <paramref name="seed"/>.</summary>
    public Xoshiro256StarStar(long seed)
    {
        ulong x = unchecked((ulong)seed);
        _s0 = SplitMix64(ref x);
        _s1 = SplitMix64(ref x);
        _s2 = SplitMix64(ref x);
        _s3 = SplitMix64(ref x);
    }

    /// <summary>The generator's 256-bit state, so another engine can continue the same sequence (disaggregated
    /// decode continues the prefill side's generator).</summary>
    internal readonly ulong[] SaveState() => [_s0, _s1, _s2, _s3];

    /// <summary>A generator continuing from <paramref name="state"/> (from <see cref="SaveState"/>).</summary>
    internal static Xoshiro256StarStar FromState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4) throw new ArgumentException("a xoshiro256** state is 4 words", nameof(state));
        return new Xoshiro256StarStar { _s0 = state[0], _s1 = state[1], _s2 = state[2], _s3 = state[3] };
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    private static ulong SplitMix64(ref ulong x)
    {
        unchecked
        {
            ulong z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
