using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// The portable (<see cref="CpuKernelPath.Portable"/>) kernels over packed panels (<see cref="PanelLayout"/>), in
/// cross-platform <see cref="Vector128"/> operations only (SSE on x86-64, AdvSimd on Arm64): a step is read as four
/// 128-bit slices of 8 rows (<see cref="PanelSlices"/>), and a tile of 4 tokens × one slice keeps 8 accumulators (fits
/// the 16 XMM registers of SSE). Multiply-adds are <c>Vector128.MultiplyAddEstimate</c>: fused where the CPU has
/// FMA, a multiply and an add where it has not (never a software fallback).
/// </summary>
internal static unsafe class PanelTiles128
{
    /// <summary>32-bit lanes of one slice.</summary>
    private const int Lanes = 4;

    /// <summary>Slices of one step.</summary>
    private const int Slices = 4;

    /// <summary><c>y[t, 0..rows) = panel · x[t]</c> for the <paramref name="tokens"/> valid tokens of a packed input group
    /// <paramref name="width"/> wide (step k at <c>xp + k · width</c>); as <see cref="PanelTiles256.Tile{P}"/>.</summary>
    public static void Tile<P>(byte* panel, int n, float* xp, int width, float* y, int ys, int tokens, int rows)
        where P : struct, IPanelLoader
    {
        long step = PanelLayout.Rows * P.ElementBytes;
        for (int t0 = 0; t0 < tokens; t0 += 4)
        {
            int valid = Math.Min(4, tokens - t0);
            for (int i = 0; i < Slices; i++)
            {
                Slice<P>(panel + PanelSlices.Offset(i, Lanes, P.ElementBytes), step, n, xp + t0, width, y + (long)t0 * ys, ys,
                    PanelSlices.LowRow(i, Lanes, P.ElementBytes), PanelSlices.HighRow(i, Lanes, P.ElementBytes), valid, rows);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Slice<P>(byte* p, long step, int n, float* xp, int width, float* y, int ys, int lo, int hi, int tokens, int rows)
        where P : struct, IPanelLoader
    {
        Vector128<float> c0l = default, c0h = default, c1l = default, c1h = default;
        Vector128<float> c2l = default, c2h = default, c3l = default, c3h = default;
        for (int k = 0; k < n; k++, p += step, xp += width)
        {
            P.Load128(p, out Vector128<float> wl, out Vector128<float> wh);
            Vector128<float> b = Vector128.Create(xp[0]);
            c0l = Vector128.MultiplyAddEstimate(wl, b, c0l); c0h = Vector128.MultiplyAddEstimate(wh, b, c0h);
            b = Vector128.Create(xp[1]);
            c1l = Vector128.MultiplyAddEstimate(wl, b, c1l); c1h = Vector128.MultiplyAddEstimate(wh, b, c1h);
            b = Vector128.Create(xp[2]);
            c2l = Vector128.MultiplyAddEstimate(wl, b, c2l); c2h = Vector128.MultiplyAddEstimate(wh, b, c2h);
            b = Vector128.Create(xp[3]);
            c3l = Vector128.MultiplyAddEstimate(wl, b, c3l); c3h = Vector128.MultiplyAddEstimate(wh, b, c3h);
        }
        Store(y, c0l, c0h, lo, hi, rows);
        if (tokens > 1) Store(y + ys, c1l, c1h, lo, hi, rows);
        if (tokens > 2) Store(y + 2L * ys, c2l, c2h, lo, hi, rows);
        if (tokens > 3) Store(y + 3L * ys, c3l, c3h, lo, hi, rows);
    }

    /// <summary>One token: <c>y[0..rows) = panel · x</c> over <paramref name="n"/> columns (decode); each step read whole.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemv<P>(byte* panel, int n, float* x, float* y, int rows) where P : struct, IPanelLoader
    {
        Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        long step = PanelLayout.Rows * P.ElementBytes;
        int o1 = PanelSlices.Offset(1, Lanes, P.ElementBytes), o2 = PanelSlices.Offset(2, Lanes, P.ElementBytes), o3 = PanelSlices.Offset(3, Lanes, P.ElementBytes);
        for (int k = 0; k < n; k++, panel += step)
        {
            if (Sse.IsSupported) Sse.Prefetch0(panel + PanelTiles.PrefetchBytes);
            Vector128<float> v = Vector128.Create(x[k]);
            P.Load128(panel, out Vector128<float> l, out Vector128<float> h);
            a0 = Vector128.MultiplyAddEstimate(l, v, a0); a1 = Vector128.MultiplyAddEstimate(h, v, a1);
            P.Load128(panel + o1, out l, out h);
            a2 = Vector128.MultiplyAddEstimate(l, v, a2); a3 = Vector128.MultiplyAddEstimate(h, v, a3);
            P.Load128(panel + o2, out l, out h);
            a4 = Vector128.MultiplyAddEstimate(l, v, a4); a5 = Vector128.MultiplyAddEstimate(h, v, a5);
            P.Load128(panel + o3, out l, out h);
            a6 = Vector128.MultiplyAddEstimate(l, v, a6); a7 = Vector128.MultiplyAddEstimate(h, v, a7);
        }
        Store(y, a0, a1, PanelSlices.LowRow(0, Lanes, P.ElementBytes), PanelSlices.HighRow(0, Lanes, P.ElementBytes), rows);
        Store(y, a2, a3, PanelSlices.LowRow(1, Lanes, P.ElementBytes), PanelSlices.HighRow(1, Lanes, P.ElementBytes), rows);
        Store(y, a4, a5, PanelSlices.LowRow(2, Lanes, P.ElementBytes), PanelSlices.HighRow(2, Lanes, P.ElementBytes), rows);
        Store(y, a6, a7, PanelSlices.LowRow(3, Lanes, P.ElementBytes), PanelSlices.HighRow(3, Lanes, P.ElementBytes), rows);
    }

    /// <summary>Widens <paramref name="count"/> consecutive 2-byte panels into FP32 panels (as <see cref="PanelTiles256.Widen{P}"/>).</summary>
    public static void Widen<P>(byte* panels, int cols, int count, float* destination) where P : struct, IPanelLoader
    {
        long steps = (long)count * cols;
        for (long k = 0; k < steps; k++, panels += PanelLayout.Rows * P.ElementBytes, destination += PanelLayout.Rows)
        {
            for (int i = 0; i < Slices; i++)
            {
                P.Load128(panels + PanelSlices.Offset(i, Lanes, P.ElementBytes), out Vector128<float> lo, out Vector128<float> hi);
                lo.Store(destination + PanelSlices.LowRow(i, Lanes, P.ElementBytes));
                hi.Store(destination + PanelSlices.HighRow(i, Lanes, P.ElementBytes));
            }
        }
    }

    /// <summary>Stores the 4 rows from <paramref name="l"/> and the 4 from <paramref name="h"/>, only those below
    /// <paramref name="rows"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, Vector128<float> l, Vector128<float> h, int lo, int hi, int rows)
    {
        if (rows >= PanelLayout.Rows)
        {
            l.Store(y + lo);
            h.Store(y + hi);
            return;
        }
        for (int j = 0; j < Lanes; j++)
        {
            if (lo + j < rows) y[lo + j] = l.GetElement(j);
            if (hi + j < rows) y[hi + j] = h.GetElement(j);
        }
    }
}
