using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// The portable path of <see cref="Q8Kernels"/>: row-major Q8 rows with cross-platform <see cref="Vector128"/>
/// operations only. A 32-value block is widened to int16 (input once per block, shared by 4 rows), multiplied,
/// products added in pairs in int16 (at most 2 · 127 · 127) and widened into int32 sums, then scaled in FP32.
/// 1 token × 4 rows per tile (each weight row streamed once per token); single-threaded, stateless.
/// </summary>
internal static unsafe class Q8KernelsPortable
{
    /// <summary>As <see cref="Q8Kernels.Rows(in WeightMatrix, sbyte*, float*, int, float*, int, int, int)"/>.</summary>
    public static void Rows(in WeightMatrix w, sbyte* xq, float* xs, int tokens, float* y, int yStride, int rowBegin, int rowEnd)
    {
        int blocks = w.BlocksPerRow;
        long xStride = (long)blocks * Q8Block.Size;
        for (int t = 0; t < tokens; t++)
        {
            sbyte* x = xq + t * xStride;
            float* sx = xs + (long)t * blocks, yt = y + (long)t * yStride;
            int r = rowBegin;
            for (; r + 4 <= rowEnd; r += 4) Dot1x4(w, r, x, sx, yt + r);
            for (; r < rowEnd; r++) yt[r] = Dot1x1((sbyte*)w.Row(r), w.Scales + (long)r * blocks, x, sx, blocks);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot1x4(in WeightMatrix w, int r, sbyte* x, float* sx, float* y)
    {
        int blocks = w.BlocksPerRow;
        sbyte* w0 = (sbyte*)w.Row(r), w1 = w0 + w.RowBytes, w2 = w1 + w.RowBytes, w3 = w2 + w.RowBytes;
        float* s0 = w.Scales + (long)r * blocks, s1 = s0 + blocks, s2 = s1 + blocks, s3 = s2 + blocks;
        Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int b = 0; b < blocks; b++)
        {
            int o = b * Q8Block.Size;
            Vector128<sbyte> xl = Vector128.Load(x + o), xh = Vector128.Load(x + o + 16);
            Vector128<short> x0 = Vector128.WidenLower(xl), x1 = Vector128.WidenUpper(xl), x2 = Vector128.WidenLower(xh), x3 = Vector128.WidenUpper(xh);
            float s = sx[b];
            a0 = Vector128.MultiplyAddEstimate(Block(w0 + o, x0, x1, x2, x3), Vector128.Create(s0[b] * s), a0);
            a1 = Vector128.MultiplyAddEstimate(Block(w1 + o, x0, x1, x2, x3), Vector128.Create(s1[b] * s), a1);
            a2 = Vector128.MultiplyAddEstimate(Block(w2 + o, x0, x1, x2, x3), Vector128.Create(s2[b] * s), a2);
            a3 = Vector128.MultiplyAddEstimate(Block(w3 + o, x0, x1, x2, x3), Vector128.Create(s3[b] * s), a3);
        }
        y[0] = Vector128.Sum(a0); y[1] = Vector128.Sum(a1); y[2] = Vector128.Sum(a2); y[3] = Vector128.Sum(a3);
    }

    private static float Dot1x1(sbyte* w, float* sw, sbyte* x, float* sx, int blocks)
    {
        Vector128<float> acc = default;
        for (int b = 0; b < blocks; b++)
        {
            int o = b * Q8Block.Size;
            Vector128<sbyte> xl = Vector128.Load(x + o), xh = Vector128.Load(x + o + 16);
            Vector128<float> d = Block(w + o, Vector128.WidenLower(xl), Vector128.WidenUpper(xl), Vector128.WidenLower(xh), Vector128.WidenUpper(xh));
            acc = Vector128.MultiplyAddEstimate(d, Vector128.Create(sw[b] * sx[b]), acc);
        }
        return Vector128.Sum(acc);
    }

    /// <summary>One block's 32 products of the row at <paramref name="w"/> and the widened input, summed into 4 lanes
    /// (exact: at most 32 · 127² in int32) and converted to FP32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Block(sbyte* w, Vector128<short> x0, Vector128<short> x1, Vector128<short> x2, Vector128<short> x3)
    {
        Vector128<sbyte> wl = Vector128.Load(w), wh = Vector128.Load(w + 16);
        Vector128<short> p = Vector128.WidenLower(wl) * x0 + Vector128.WidenUpper(wl) * x1;
        Vector128<short> q = Vector128.WidenLower(wh) * x2 + Vector128.WidenUpper(wh) * x3;
        Vector128<int> d = Vector128.WidenLower(p) + Vector128.WidenUpper(p) + Vector128.WidenLower(q) + Vector128.WidenUpper(q);
        return Vector128.ConvertToSingle(d);
    }
}
