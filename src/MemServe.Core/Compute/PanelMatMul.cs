using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// One thread's share of a matmul over packed panels (<see cref="PanelLayout"/>): one token runs the GEMV over each
/// panel (every weight read once, one sequential stream); more tokens run the tiles over the packed input
/// (<see cref="PanelLayout.PackInput"/>), panels walked in blocks of about <see cref="BlockBytes"/> so a block
/// stays in L2 while every token group passes over it (the first group is the one pass that reads it from DRAM).
/// </summary>
internal static unsafe class PanelMatMul
{
    /// <summary>Weight bytes of one panel block: fits the 1 MiB L2 with a token group's packed input.</summary>
    private const long BlockBytes = 384 * 1024;

    /// <summary>
    /// <c>y[t, r] = x[t, :] · W[r, :]</c> for rows [0, <paramref name="rows"/>) of the packed matrix whose first panel
    /// is at <paramref name="panels"/>, for <paramref name="tokens"/> tokens: x read directly for one token, else
    /// from <paramref name="xp"/>, the packed input of all tokens. y[t · ys + r] receives the result. Runs the kernels of
    /// <paramref name="path"/> (which this CPU must support).
    /// </summary>
    public static void Rows<P>(byte* panels, int cols, int rows, float* x, float* xp, int tokens, float* y, int ys, CpuKernelPath path)
        where P : struct, IPanelLoader
    {
        long panelBytes = PanelLayout.PanelBytes(cols, P.ElementBytes);
        int count = PanelLayout.PanelsFor(rows);
        if (tokens == 1)
        {
            for (int p = 0; p < count; p++)
            {
                byte* w = panels + p * panelBytes;
                float* yp = y + p * PanelLayout.Rows;
                int r = Math.Min(PanelLayout.Rows, rows - p * PanelLayout.Rows);
                if (path == CpuKernelPath.Avx512) PanelTiles.Gemv<P>(w, cols, x, yp, r);
                else if (path == CpuKernelPath.Avx2) PanelTiles256.Gemv<P>(w, cols, x, yp, r);
                else PanelTiles128.Gemv<P>(w, cols, x, yp, r);
            }
            return;
        }
        int block = (int)Math.Max(1, BlockBytes / panelBytes), groups = PanelLayout.GroupsFor(tokens);
        for (int pb = 0; pb < count; pb += block)
        {
            int pe = Math.Min(count, pb + block);
            for (int g = 0; g < groups; g++)
            {
                PanelLayout.Group(tokens, g, out int first, out int width);
                int valid = Math.Min(width, tokens - first);
                // The first group's pass reads the block from DRAM and prefetches ahead; prefetching the next block during
                // the last group's pass measured 0.97× (16 sequences decoding).
                long ahead = g == 0 ? PanelTiles.PrefetchBytes : 0;
                float* xg = xp + (long)first * cols;
                float* yg = y + (long)first * ys;
                for (int p = pb; p < pe; p++)
                {
                    byte* w = panels + p * panelBytes;
                    float* yp = yg + p * PanelLayout.Rows;
                    int r = Math.Min(PanelLayout.Rows, rows - p * PanelLayout.Rows);
                    if (path == CpuKernelPath.Avx2)
                    {
                        PanelTiles256.Tile<P>(w, cols, xg, width, yp, ys, valid, r, ahead);
                        continue;
                    }
                    if (path == CpuKernelPath.Portable)
                    {
                        PanelTiles128.Tile<P>(w, cols, xg, width, yp, ys, valid, r);
                        continue;
                    }
                    switch (width)
                    {
                        case 12: PanelTiles.Tile<P, Width12>(w, cols, xg, yp, ys, valid, r, ahead); break;
                        case 8: PanelTiles.Tile<P, Width8>(w, cols, xg, yp, ys, valid, r, ahead); break;
                        default: PanelTiles.Tile4<P>(w, cols, xg, yp, ys, valid, r, ahead); break;
                    }
                }
            }
        }
    }

    /// <summary>Widens <paramref name="count"/> consecutive 2-byte panels of <paramref name="cols"/> columns into FP32 panels
    /// at <paramref name="destination"/> (<c>count · 32 · cols</c> floats), on the kernels of <paramref name="path"/>.</summary>
    public static void Widen<P>(byte* panels, int cols, int count, float* destination, CpuKernelPath path) where P : struct, IPanelLoader
    {
        if (path == CpuKernelPath.Avx2)
        {
            PanelTiles256.Widen<P>(panels, cols, count, destination);
            return;
        }
        if (path == CpuKernelPath.Portable)
        {
            PanelTiles128.Widen<P>(panels, cols, count, destination);
            return;
        }
        long steps = (long)count * cols;
        for (long k = 0; k < steps; k++, panels += PanelLayout.Rows * P.ElementBytes, destination += PanelLayout.Rows)
        {
            P.Load(panels, out Vector512<float> lo, out Vector512<float> hi);
            lo.Store(destination);
            hi.Store(destination + 16);
        }
    }
}
