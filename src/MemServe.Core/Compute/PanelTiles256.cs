using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>6 tokens of a 256-bit tile: 12 accumulators, 2 weight vectors and a broadcast fill 15 of the 16 YMM registers.</summary>
internal readonly struct Width6 : ITileWidth
{
    /// <inheritdoc />
    public static int Tokens => 6;
}

/// <summary>4 tokens of a 256-bit or 128-bit tile.</summary>
internal readonly struct Width4 : ITileWidth
{
    /// <inheritdoc />
    public static int Tokens => 4;
}

/// <summary>
/// The AVX2 (<see cref="CpuKernelPath.Avx2"/>) outer-product kernels over packed panels (<see cref="PanelLayout"/>), sized
/// for 16 YMM registers: a panel's step is read as two 256-bit slices of 16 rows (<see cref="PanelSlices"/>), and a tile
/// of 6 tokens × one slice keeps 12 accumulators, 2 widened weight vectors and a broadcast in registers (the 6 × 16
/// micro-kernel shape of AVX2 BLAS kernels). A token group of the packed input (12, 8 or 4 wide) runs as sub-tiles of 6
/// or 4 tokens, each over both slices; the first pass over a panel brings it into L1/L2, the others reuse it. The decode
/// GEMV reads every step whole (both slices, two steps in flight: 8 accumulators). Needs AVX2 and FMA.
/// </summary>
internal static unsafe class PanelTiles256
{
    /// <summary>32-bit lanes of one slice.</summary>
    private const int Lanes = 8;

    /// <summary>
    /// <c>y[t, 0..rows) = panel · x[t]</c> for the <paramref name="tokens"/> valid tokens of a packed input group
    /// <paramref name="width"/> wide (<paramref name="xp"/>, step k at <c>xp + k · width</c>), over <paramref name="n"/>
    /// columns; rows (≤ 32) and tokens past the valid ones are not written.
    /// </summary>
    public static void Tile<P>(byte* panel, int n, float* xp, int width, float* y, int ys, int tokens, int rows, long ahead)
        where P : struct, IPanelLoader
    {
        long step = PanelLayout.Rows * P.ElementBytes;
        int sub = width % 6 == 0 ? 6 : 4;
        for (int t0 = 0; t0 < tokens; t0 += sub)
        {
            int valid = Math.Min(sub, tokens - t0);
            for (int i = 0; i < 2; i++)
            {
                byte* p = panel + PanelSlices.Offset(i, Lanes, P.ElementBytes);
                int lo = PanelSlices.LowRow(i, Lanes, P.ElementBytes), hi = PanelSlices.HighRow(i, Lanes, P.ElementBytes);
                long pf = t0 == 0 && i == 0 ? ahead : 0;
                if (sub == 6) Slice<P, Width6>(p, step, n, xp + t0, width, y + (long)t0 * ys, ys, lo, hi, valid, rows, pf);
                else Slice<P, Width4>(p, step, n, xp + t0, width, y + (long)t0 * ys, ys, lo, hi, valid, rows, pf);
            }
        }
    }

    /// <summary>One slice (rows <paramref name="lo"/>.. and <paramref name="hi"/>.., 8 each) × <typeparamref name="W"/> tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Slice<P, W>(byte* p, long step, int n, float* xp, int width, float* y, int ys, int lo, int hi,
        int tokens, int rows, long ahead)
        where P : struct, IPanelLoader
        where W : struct, ITileWidth
    {
        Vector256<float> c0l = default, c0h = default, c1l = default, c1h = default, c2l = default, c2h = default;
        Vector256<float> c3l = default, c3h = default, c4l = default, c4h = default, c5l = default, c5h = default;
        for (int k = 0; k < n; k++, p += step, xp += width)
        {
            if (ahead != 0) Prefetch<P>(p + ahead);
            P.Load256(p, out Vector256<float> wl, out Vector256<float> wh);
            Vector256<float> b = Vector256.Create(xp[0]);
            c0l = Vector256.FusedMultiplyAdd(wl, b, c0l); c0h = Vector256.FusedMultiplyAdd(wh, b, c0h);
            b = Vector256.Create(xp[1]);
            c1l = Vector256.FusedMultiplyAdd(wl, b, c1l); c1h = Vector256.FusedMultiplyAdd(wh, b, c1h);
            b = Vector256.Create(xp[2]);
            c2l = Vector256.FusedMultiplyAdd(wl, b, c2l); c2h = Vector256.FusedMultiplyAdd(wh, b, c2h);
            b = Vector256.Create(xp[3]);
            c3l = Vector256.FusedMultiplyAdd(wl, b, c3l); c3h = Vector256.FusedMultiplyAdd(wh, b, c3h);
            if (W.Tokens > 4)
            {
                b = Vector256.Create(xp[4]);
                c4l = Vector256.FusedMultiplyAdd(wl, b, c4l); c4h = Vector256.FusedMultiplyAdd(wh, b, c4h);
                b = Vector256.Create(xp[5]);
                c5l = Vector256.FusedMultiplyAdd(wl, b, c5l); c5h = Vector256.FusedMultiplyAdd(wh, b, c5h);
            }
        }
        Store(y, c0l, c0h, lo, hi, rows);
        if (tokens > 1) Store(y + ys, c1l, c1h, lo, hi, rows);
        if (tokens > 2) Store(y + 2L * ys, c2l, c2h, lo, hi, rows);
        if (tokens > 3) Store(y + 3L * ys, c3l, c3h, lo, hi, rows);
        if (W.Tokens > 4)
        {
            if (tokens > 4) Store(y + 4L * ys, c4l, c4h, lo, hi, rows);
            if (tokens > 5) Store(y + 5L * ys, c5l, c5h, lo, hi, rows);
        }
    }

    /// <summary>One token: <c>y[0..rows) = panel · x</c> over <paramref name="n"/> columns (decode), x read directly;
    /// each step is read whole, two steps in flight.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemv<P>(byte* panel, int n, float* x, float* y, int rows) where P : struct, IPanelLoader
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        long step = PanelLayout.Rows * P.ElementBytes;
        int second = PanelSlices.Offset(1, Lanes, P.ElementBytes);
        int k = 0;
        for (; k + 2 <= n; k += 2, panel += 2 * step)
        {
            Prefetch<P>(panel + PanelTiles.PrefetchBytes);
            Prefetch<P>(panel + PanelTiles.PrefetchBytes + step);
            Vector256<float> v = Vector256.Create(x[k]);
            P.Load256(panel, out Vector256<float> l, out Vector256<float> h);
            a0 = Vector256.FusedMultiplyAdd(l, v, a0); a1 = Vector256.FusedMultiplyAdd(h, v, a1);
            P.Load256(panel + second, out l, out h);
            a2 = Vector256.FusedMultiplyAdd(l, v, a2); a3 = Vector256.FusedMultiplyAdd(h, v, a3);
            v = Vector256.Create(x[k + 1]);
            P.Load256(panel + step, out l, out h);
            b0 = Vector256.FusedMultiplyAdd(l, v, b0); b1 = Vector256.FusedMultiplyAdd(h, v, b1);
            P.Load256(panel + step + second, out l, out h);
            b2 = Vector256.FusedMultiplyAdd(l, v, b2); b3 = Vector256.FusedMultiplyAdd(h, v, b3);
        }
        if (k < n)
        {
            Vector256<float> v = Vector256.Create(x[k]);
            P.Load256(panel, out Vector256<float> l, out Vector256<float> h);
            a0 = Vector256.FusedMultiplyAdd(l, v, a0); a1 = Vector256.FusedMultiplyAdd(h, v, a1);
            P.Load256(panel + second, out l, out h);
            a2 = Vector256.FusedMultiplyAdd(l, v, a2); a3 = Vector256.FusedMultiplyAdd(h, v, a3);
        }
        Store(y, a0 + b0, a1 + b1, PanelSlices.LowRow(0, Lanes, P.ElementBytes), PanelSlices.HighRow(0, Lanes, P.ElementBytes), rows);
        Store(y, a2 + b2, a3 + b3, PanelSlices.LowRow(1, Lanes, P.ElementBytes), PanelSlices.HighRow(1, Lanes, P.ElementBytes), rows);
    }

    /// <summary>Widens <paramref name="count"/> consecutive 2-byte panels of <paramref name="cols"/> columns into FP32
    /// panels at <paramref name="destination"/> (<c>count · 32 · cols</c> floats).</summary>
    public static void Widen<P>(byte* panels, int cols, int count, float* destination) where P : struct, IPanelLoader
    {
        long steps = (long)count * cols;
        int second = PanelSlices.Offset(1, Lanes, P.ElementBytes);
        int l0 = PanelSlices.LowRow(0, Lanes, P.ElementBytes), h0 = PanelSlices.HighRow(0, Lanes, P.ElementBytes);
        int l1 = PanelSlices.LowRow(1, Lanes, P.ElementBytes), h1 = PanelSlices.HighRow(1, Lanes, P.ElementBytes);
        for (long k = 0; k < steps; k++, panels += PanelLayout.Rows * P.ElementBytes, destination += PanelLayout.Rows)
        {
            P.Load256(panels, out Vector256<float> lo, out Vector256<float> hi);
            lo.Store(destination + l0);
            hi.Store(destination + h0);
            P.Load256(panels + second, out lo, out hi);
            lo.Store(destination + l1);
            hi.Store(destination + h1);
        }
    }

    /// <summary>The lines of one step at <paramref name="p"/> (a 2-byte step is one 64-byte line, an FP32 step two).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch<P>(byte* p) where P : struct, IPanelLoader
    {
        Sse.Prefetch0(p);
        if (P.ElementBytes == 4) Sse.Prefetch0(p + 64);
    }

    /// <summary>Stores the 8 rows from <paramref name="lo"/> and the 8 from <paramref name="hi"/> of one output row, only
    /// those below <paramref name="rows"/> (masked for the last panel of a matrix).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, Vector256<float> l, Vector256<float> h, int lo, int hi, int rows)
    {
        if (rows >= PanelLayout.Rows)
        {
            l.Store(y + lo);
            h.Store(y + hi);
            return;
        }
        Avx.MaskStore(y + lo, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(rows - lo)).AsSingle(), l);
        Avx.MaskStore(y + hi, Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(rows - hi)).AsSingle(), h);
    }
}
