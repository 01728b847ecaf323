using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>Tokens of one <see cref="PanelTiles.Tile{P, W}"/> (8 or 12), a compile-time constant per struct.</summary>
internal interface ITileWidth
{
    static abstract int Tokens { get; }
}

/// <summary>12 tokens: 24 accumulators (prefill).</summary>
internal readonly struct Width12 : ITileWidth
{
    /// <inheritdoc />
    public static int Tokens => 12;
}

/// <summary>8 tokens: 16 accumulators.</summary>
internal readonly struct Width8 : ITileWidth
{
    /// <inheritdoc />
    public static int Tokens => 8;
}

/// <summary>
/// Outer-product micro-kernels over packed panels (<see cref="PanelLayout"/>): each step loads (and widens) the 32
/// weights of one column once and multiplies them with every token's broadcast input value, so there is no horizontal
/// sum and the weights are one sequential stream. A 12-token tile keeps 24 zmm accumulators (2 weight loads and 12
/// broadcasts feed 24 FMAs), the 8-token tile 16; the 4-token tile and the decode GEMV keep two or four columns in
/// flight (16 and 8 accumulators), since a single column's chains would wait on the FMA latency.
/// </summary>
internal static unsafe class PanelTiles
{
    /// <summary>Tokens of the widest tile.</summary>
    public const int MaxTokens = 12;

    /// <summary>
    /// <c>y[t, 0..rows) = panel · x[t]</c> for the <typeparamref name="W"/> tokens of a packed input group
    /// (<paramref name="xp"/>, step k at <c>xp + k · W</c>), over <paramref name="n"/> columns. Only the first
    /// <paramref name="tokens"/> tokens and <paramref name="rows"/> rows (≤ 32) are written, <paramref name="ys"/>
    /// floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile<P, W>(byte* panel, int n, float* xp, float* y, int ys, int tokens, int rows, long ahead)
        where P : struct, IPanelLoader
        where W : struct, ITileWidth
    {
        Vector512<float> c0l = default, c0h = default, c1l = default, c1h = default, c2l = default, c2h = default;
        Vector512<float> c3l = default, c3h = default, c4l = default, c4h = default, c5l = default, c5h = default;
        Vector512<float> c6l = default, c6h = default, c7l = default, c7h = default, c8l = default, c8h = default;
        Vector512<float> c9l = default, c9h = default, cal = default, cah = default, cbl = default, cbh = default;
        long step = PanelLayout.Rows * P.ElementBytes;
        float* end = xp + (long)n * W.Tokens;
        for (; xp < end; xp += W.Tokens, panel += step)
        {
            if (ahead != 0) Prefetch<P>(panel + ahead, 1);
            P.Load(panel, out Vector512<float> lo, out Vector512<float> hi);
            Vector512<float> b = Vector512.Create(xp[0]);
            c0l = Vector512.FusedMultiplyAdd(lo, b, c0l); c0h = Vector512.FusedMultiplyAdd(hi, b, c0h);
            b = Vector512.Create(xp[1]);
            c1l = Vector512.FusedMultiplyAdd(lo, b, c1l); c1h = Vector512.FusedMultiplyAdd(hi, b, c1h);
            b = Vector512.Create(xp[2]);
            c2l = Vector512.FusedMultiplyAdd(lo, b, c2l); c2h = Vector512.FusedMultiplyAdd(hi, b, c2h);
            b = Vector512.Create(xp[3]);
            c3l = Vector512.FusedMultiplyAdd(lo, b, c3l); c3h = Vector512.FusedMultiplyAdd(hi, b, c3h);
            if (W.Tokens > 4)
            {
                b = Vector512.Create(xp[4]);
                c4l = Vector512.FusedMultiplyAdd(lo, b, c4l); c4h = Vector512.FusedMultiplyAdd(hi, b, c4h);
                b = Vector512.Create(xp[5]);
                c5l = Vector512.FusedMultiplyAdd(lo, b, c5l); c5h = Vector512.FusedMultiplyAdd(hi, b, c5h);
                b = Vector512.Create(xp[6]);
                c6l = Vector512.FusedMultiplyAdd(lo, b, c6l); c6h = Vector512.FusedMultiplyAdd(hi, b, c6h);
                b = Vector512.Create(xp[7]);
                c7l = Vector512.FusedMultiplyAdd(lo, b, c7l); c7h = Vector512.FusedMultiplyAdd(hi, b, c7h);
            }
            if (W.Tokens > 8)
            {
                b = Vector512.Create(xp[8]);
                c8l = Vector512.FusedMultiplyAdd(lo, b, c8l); c8h = Vector512.FusedMultiplyAdd(hi, b, c8h);
                b = Vector512.Create(xp[9]);
                c9l = Vector512.FusedMultiplyAdd(lo, b, c9l); c9h = Vector512.FusedMultiplyAdd(hi, b, c9h);
                b = Vector512.Create(xp[10]);
                cal = Vector512.FusedMultiplyAdd(lo, b, cal); cah = Vector512.FusedMultiplyAdd(hi, b, cah);
                b = Vector512.Create(xp[11]);
                cbl = Vector512.FusedMultiplyAdd(lo, b, cbl); cbh = Vector512.FusedMultiplyAdd(hi, b, cbh);
            }
        }
        // Stores after the loop only, so no call sees live accumulators (the JIT would spill them).
        Store(y, c0l, c0h, rows);
        if (tokens > 1) Store(y + ys, c1l, c1h, rows);
        if (tokens > 2) Store(y + 2L * ys, c2l, c2h, rows);
        if (tokens > 3) Store(y + 3L * ys, c3l, c3h, rows);
        if (W.Tokens > 4)
        {
            if (tokens > 4) Store(y + 4L * ys, c4l, c4h, rows);
            if (tokens > 5) Store(y + 5L * ys, c5l, c5h, rows);
            if (tokens > 6) Store(y + 6L * ys, c6l, c6h, rows);
            if (tokens > 7) Store(y + 7L * ys, c7l, c7h, rows);
        }
        if (W.Tokens > 8)
        {
            if (tokens > 8) Store(y + 8L * ys, c8l, c8h, rows);
            if (tokens > 9) Store(y + 9L * ys, c9l, c9h, rows);
            if (tokens > 10) Store(y + 10L * ys, cal, cah, rows);
            if (tokens > 11) Store(y + 11L * ys, cbl, cbh, rows);
        }
    }

    /// <summary>4 tokens (the last group of a batch, padded with zero tokens past <paramref name="tokens"/>): like
    /// <see cref="Tile{P, W}"/>, with even and odd columns in separate accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4<P>(byte* panel, int n, float* xp, float* y, int ys, int tokens, int rows, long ahead)
        where P : struct, IPanelLoader
    {
        Vector512<float> c0l = default, c0h = default, c1l = default, c1h = default, c2l = default, c2h = default, c3l = default, c3h = default;
        Vector512<float> d0l = default, d0h = default, d1l = default, d1h = default, d2l = default, d2h = default, d3l = default, d3h = default;
        long step = PanelLayout.Rows * P.ElementBytes;
        int k = 0;
        for (; k + 2 <= n; k += 2, xp += 8, panel += 2 * step)
        {
            if (ahead != 0) Prefetch<P>(panel + ahead, 2);
            P.Load(panel, out Vector512<float> lo, out Vector512<float> hi);
            Vector512<float> b = Vector512.Create(xp[0]);
            c0l = Vector512.FusedMultiplyAdd(lo, b, c0l); c0h = Vector512.FusedMultiplyAdd(hi, b, c0h);
            b = Vector512.Create(xp[1]);
            c1l = Vector512.FusedMultiplyAdd(lo, b, c1l); c1h = Vector512.FusedMultiplyAdd(hi, b, c1h);
            b = Vector512.Create(xp[2]);
            c2l = Vector512.FusedMultiplyAdd(lo, b, c2l); c2h = Vector512.FusedMultiplyAdd(hi, b, c2h);
            b = Vector512.Create(xp[3]);
            c3l = Vector512.FusedMultiplyAdd(lo, b, c3l); c3h = Vector512.FusedMultiplyAdd(hi, b, c3h);
            P.Load(panel + step, out lo, out hi);
            b = Vector512.Create(xp[4]);
            d0l = Vector512.FusedMultiplyAdd(lo, b, d0l); d0h = Vector512.FusedMultiplyAdd(hi, b, d0h);
            b = Vector512.Create(xp[5]);
            d1l = Vector512.FusedMultiplyAdd(lo, b, d1l); d1h = Vector512.FusedMultiplyAdd(hi, b, d1h);
            b = Vector512.Create(xp[6]);
            d2l = Vector512.FusedMultiplyAdd(lo, b, d2l); d2h = Vector512.FusedMultiplyAdd(hi, b, d2h);
            b = Vector512.Create(xp[7]);
            d3l = Vector512.FusedMultiplyAdd(lo, b, d3l); d3h = Vector512.FusedMultiplyAdd(hi, b, d3h);
        }
        if (k < n)
        {
            P.Load(panel, out Vector512<float> lo, out Vector512<float> hi);
            Vector512<float> b = Vector512.Create(xp[0]);
            c0l = Vector512.FusedMultiplyAdd(lo, b, c0l); c0h = Vector512.FusedMultiplyAdd(hi, b, c0h);
            b = Vector512.Create(xp[1]);
            c1l = Vector512.FusedMultiplyAdd(lo, b, c1l); c1h = Vector512.FusedMultiplyAdd(hi, b, c1h);
            b = Vector512.Create(xp[2]);
            c2l = Vector512.FusedMultiplyAdd(lo, b, c2l); c2h = Vector512.FusedMultiplyAdd(hi, b, c2h);
            b = Vector512.Create(xp[3]);
            c3l = Vector512.FusedMultiplyAdd(lo, b, c3l); c3h = Vector512.FusedMultiplyAdd(hi, b, c3h);
        }
        Store(y, c0l + d0l, c0h + d0h, rows);
        if (tokens > 1) Store(y + ys, c1l + d1l, c1h + d1h, rows);
        if (tokens > 2) Store(y + 2L * ys, c2l + d2l, c2h + d2h, rows);
        if (tokens > 3) Store(y + 3L * ys, c3l + d3l, c3h + d3h, rows);
    }

    /// <summary>One token: <c>y[0..rows) = panel · x</c> over <paramref name="n"/> columns (decode), x read directly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemv<P>(byte* panel, int n, float* x, float* y, int rows) where P : struct, IPanelLoader
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        long step = PanelLayout.Rows * P.ElementBytes;
        int k = 0;
        for (; k + 4 <= n; k += 4, panel += 4 * step)
        {
            Prefetch<P>(panel + PrefetchBytes, 4);
            P.Load(panel, out Vector512<float> lo, out Vector512<float> hi);
            Vector512<float> b = Vector512.Create(x[k]);
            a0 = Vector512.FusedMultiplyAdd(lo, b, a0); a1 = Vector512.FusedMultiplyAdd(hi, b, a1);
            P.Load(panel + step, out lo, out hi);
            b = Vector512.Create(x[k + 1]);
            a2 = Vector512.FusedMultiplyAdd(lo, b, a2); a3 = Vector512.FusedMultiplyAdd(hi, b, a3);
            P.Load(panel + 2 * step, out lo, out hi);
            b = Vector512.Create(x[k + 2]);
            a4 = Vector512.FusedMultiplyAdd(lo, b, a4); a5 = Vector512.FusedMultiplyAdd(hi, b, a5);
            P.Load(panel + 3 * step, out lo, out hi);
            b = Vector512.Create(x[k + 3]);
            a6 = Vector512.FusedMultiplyAdd(lo, b, a6); a7 = Vector512.FusedMultiplyAdd(hi, b, a7);
        }
        for (; k < n; k++, panel += step)
        {
            P.Load(panel, out Vector512<float> lo, out Vector512<float> hi);
            Vector512<float> b = Vector512.Create(x[k]);
            a0 = Vector512.FusedMultiplyAdd(lo, b, a0); a1 = Vector512.FusedMultiplyAdd(hi, b, a1);
        }
        Store(y, (a0 + a2) + (a4 + a6), (a1 + a3) + (a5 + a7), rows);
    }

    /// <summary>Bytes ahead of the current step that the kernels prefetch when a panel comes from DRAM.</summary>
    public const int PrefetchBytes = 4096;

    /// <summary>Prefetches the cache lines of <paramref name="steps"/> steps at <paramref name="p"/> (a 2-byte step is one
    /// 64-byte line, an FP32 step two).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch<P>(byte* p, int steps) where P : struct, IPanelLoader
    {
        Sse.Prefetch0(p);
        if (P.ElementBytes == 4 || steps > 1) Sse.Prefetch0(p + 64);
        if (steps > 2 || (P.ElementBytes == 4 && steps > 1))
        {
            Sse.Prefetch0(p + 128);
            Sse.Prefetch0(p + 192);
        }
        if (P.ElementBytes == 4 && steps > 2)
        {
            Sse.Prefetch0(p + 256);
            Sse.Prefetch0(p + 320);
            Sse.Prefetch0(p + 384);
            Sse.Prefetch0(p + 448);
        }
    }

    /// <summary>Stores rows [0, rows) of a panel's output; the last panel of a matrix whose rows are not a multiple of 32
    /// uses masked stores. No call: a call after the loop would make the JIT spill every accumulator inside it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, Vector512<float> lo, Vector512<float> hi, int rows)
    {
        if (rows >= PanelLayout.Rows)
        {
            lo.Store(y);
            hi.Store(y + 16);
            return;
        }
        Avx512F.MaskStore(y, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(rows)).AsSingle(), lo);
        Avx512F.MaskStore(y + 16, Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(rows - 16)).AsSingle(), hi);
    }
}
