using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MemServe.Compute;

/// <summary>
/// Packed Q8 panels with cross-platform <see cref="Vector128"/> operations only (no x86- or Arm-specific
/// instruction): a 16-byte quarter of a step (4 rows × 4 columns) is turned back into signed <c>q</c> (XOR 0x80),
/// widened to int16 and multiplied by the widened broadcast input; two steps' products are added in int16 (at most
/// 2 · 127 · 127), then pairs of lanes into int32 (shift and add), so an int32 lane holds half of one row's sum and
/// the FP32 accumulators hold each row twice (lanes <c>[r, r, r+1, r+1]</c>), added at the end. The 4-token tile
/// shares each widened weight vector between its tokens.
/// </summary>
internal readonly unsafe struct Q8PanelPortable : IQ8PanelKernel
{
    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gemv(byte* record, int blocks, sbyte* x, float* xs, int* xsum, float* y, int rows)
    {
        Vector128<float> f0 = default, f1 = default, f2 = default, f3 = default, f4 = default, f5 = default, f6 = default, f7 = default;
        for (int b = 0; b < blocks; b++, record += Q8Panels.RecordBytes, x += Q8Block.Size)
        {
            Vector128<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            for (int s = 0; s < 8; s += 2)
            {
                Vector128<short> xe = Vector128.WidenLower(Vector128.Create(*(int*)(x + 4 * s)).AsSByte());
                Vector128<short> xo = Vector128.WidenLower(Vector128.Create(*(int*)(x + 4 * s + 4)).AsSByte());
                byte* step = record + s * 64;
                Quarter(step, xe, xo, ref c0, ref c1);
                Quarter(step + 16, xe, xo, ref c2, ref c3);
                Quarter(step + 32, xe, xo, ref c4, ref c5);
                Quarter(step + 48, xe, xo, ref c6, ref c7);
            }
            Vector128<float> sx = Vector128.Create(xs[b]);
            Vector128<short> h = Vector128.Load((short*)(record + Q8Panels.ScalesOffset));
            Vector128<float> s03 = Widen(Vector128.WidenLower(h)) * sx, s47 = Widen(Vector128.WidenUpper(h)) * sx;
            h = Vector128.Load((short*)(record + Q8Panels.ScalesOffset) + 8);
            Vector128<float> s811 = Widen(Vector128.WidenLower(h)) * sx, s1215 = Widen(Vector128.WidenUpper(h)) * sx;
            f0 = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(c0), Vector128.Shuffle(s03, Vector128.Create(0, 0, 1, 1)), f0);
            f1 = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(c1), Vector128.Shuffle(s03, Vector128.Create(2, 2, 3, 3)), f1);
            f2 = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(c2), Vector128.Shuffle(s47, Vector128.Create(0, 0, 1, 1)), f2);
            f3 = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(c3), Vector128.Shuffle(s47, Vector128.Create(2, 2, 3, 3)), f3);
            f4 = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(c4), Vector128.Shuffle(s811, Vector128.Create(0, 0, 1, 1)), f4);
            f5 = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(c5), Vector128.Shuffle(s811, Vector128.Create(2, 2, 3, 3)), f5);
            f6 = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(c6), Vector128.Shuffle(s1215, Vector128.Create(0, 0, 1, 1)), f6);
            f7 = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(c7), Vector128.Shuffle(s1215, Vector128.Create(2, 2, 3, 3)), f7);
        }
        Store(y, 0, f0, rows); Store(y, 2, f1, rows); Store(y, 4, f2, rows); Store(y, 6, f3, rows);
        Store(y, 8, f4, rows); Store(y, 10, f5, rows); Store(y, 12, f6, rows); Store(y, 14, f7, rows);
    }

    /// <inheritdoc />
    /// <remarks>Quarter by quarter (4 rows): each weight vector is loaded and widened once for the 4 tokens, whose
    /// widened broadcast inputs are prepared once per block; the FP32 accumulators live on the stack (32 vectors).
    /// 1.15× over a GEMV per token (one thread, 512 × 576, 64 tokens, thread CPU time, SSE/AVX2 codegen).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile4(byte* record, int blocks, sbyte* x0, long xStride, float* xs, int* xsum, float* y, int ys, int tokens, int rows, bool prefetch)
    {
        // Missing tokens repeat token 0 and are not stored.
        sbyte* x1 = tokens > 1 ? x0 + xStride : x0, x2 = tokens > 2 ? x0 + 2 * xStride : x0, x3 = tokens > 3 ? x0 + 3 * xStride : x0;
        int t1 = tokens > 1 ? blocks : 0, t2 = tokens > 2 ? 2 * blocks : 0, t3 = tokens > 3 ? 3 * blocks : 0;
        Vector128<float>* acc = stackalloc Vector128<float>[4 * 8]; // (token, 8 row pairs)
        Vector128<short>* xw = stackalloc Vector128<short>[4 * 8];  // (token, step): 4 input values, twice
        for (int i = 0; i < 4 * 8; i++) acc[i] = default;
        for (int b = 0; b < blocks; b++, record += Q8Panels.RecordBytes)
        {
            int k = b * Q8Block.Size;
            for (int s = 0; s < 8; s++)
            {
                xw[s] = Vector128.WidenLower(Vector128.Create(*(int*)(x0 + k + 4 * s)).AsSByte());
                xw[8 + s] = Vector128.WidenLower(Vector128.Create(*(int*)(x1 + k + 4 * s)).AsSByte());
                xw[16 + s] = Vector128.WidenLower(Vector128.Create(*(int*)(x2 + k + 4 * s)).AsSByte());
                xw[24 + s] = Vector128.WidenLower(Vector128.Create(*(int*)(x3 + k + 4 * s)).AsSByte());
            }
            float s0 = xs[b], s1 = xs[t1 + b], s2 = xs[t2 + b], s3 = xs[t3 + b];
            for (int v = 0; v < 4; v++)
            {
                Vector128<int> l0 = default, h0 = default, l1 = default, h1 = default, l2 = default, h2 = default, l3 = default, h3 = default;
                for (int s = 0; s < 8; s += 2)
                {
                    Vector128<sbyte> we = (Vector128.Load(record + s * 64 + 16 * v) ^ Vector128.Create((byte)0x80)).AsSByte();
                    Vector128<sbyte> wo = (Vector128.Load(record + s * 64 + 64 + 16 * v) ^ Vector128.Create((byte)0x80)).AsSByte();
                    Vector128<short> el = Vector128.WidenLower(we), eh = Vector128.WidenUpper(we), ol = Vector128.WidenLower(wo), oh = Vector128.WidenUpper(wo);
                    Vector128<short> xe = xw[s], xo = xw[s + 1];
                    l0 += PairSums(el * xe + ol * xo); h0 += PairSums(eh * xe + oh * xo);
                    xe = xw[8 + s]; xo = xw[9 + s];
                    l1 += PairSums(el * xe + ol * xo); h1 += PairSums(eh * xe + oh * xo);
                    xe = xw[16 + s]; xo = xw[17 + s];
                    l2 += PairSums(el * xe + ol * xo); h2 += PairSums(eh * xe + oh * xo);
                    xe = xw[24 + s]; xo = xw[25 + s];
                    l3 += PairSums(el * xe + ol * xo); h3 += PairSums(eh * xe + oh * xo);
                }
                Vector128<float> sw = Widen(Vector128.WidenLower(Vector128.CreateScalar(*(long*)(record + Q8Panels.ScalesOffset + 8 * v)).AsInt16()));
                Vector128<float> slo = Vector128.Shuffle(sw, Vector128.Create(0, 0, 1, 1)), shi = Vector128.Shuffle(sw, Vector128.Create(2, 2, 3, 3));
                Vector128<float>* a = acc + 2 * v;
                a[0] = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(l0), slo * s0, a[0]);
                a[1] = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(h0), shi * s0, a[1]);
                a[8] = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(l1), slo * s1, a[8]);
                a[9] = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(h1), shi * s1, a[9]);
                a[16] = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(l2), slo * s2, a[16]);
                a[17] = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(h2), shi * s2, a[17]);
                a[24] = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(l3), slo * s3, a[24]);
                a[25] = Vector128.MultiplyAddEstimate(Vector128.ConvertToSingle(h3), shi * s3, a[25]);
            }
        }
        for (int t = 0; t < tokens; t++)
        {
            for (int pair = 0; pair < 8; pair++) Store(y + (long)t * ys, 2 * pair, acc[8 * t + pair], rows);
        }
    }

    /// <summary>Rows 4v..4v+3 of an even step (at <paramref name="step"/>) and the odd step after it:
    /// <paramref name="lo"/> gets rows 4v and 4v+1, <paramref name="hi"/> rows 4v+2 and 4v+3 (two int32 lanes each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quarter(byte* step, Vector128<short> xe, Vector128<short> xo, ref Vector128<int> lo, ref Vector128<int> hi)
    {
        Vector128<sbyte> we = (Vector128.Load(step) ^ Vector128.Create((byte)0x80)).AsSByte();
        Vector128<sbyte> wo = (Vector128.Load(step + 64) ^ Vector128.Create((byte)0x80)).AsSByte();
        lo += PairSums(Vector128.WidenLower(we) * xe + Vector128.WidenLower(wo) * xo);
        hi += PairSums(Vector128.WidenUpper(we) * xe + Vector128.WidenUpper(wo) * xo);
    }

    /// <summary>Adjacent int16 lanes added into int32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> PairSums(Vector128<short> p)
    {
        Vector128<int> v = p.AsInt32();
        return Vector128.ShiftRightArithmetic(Vector128.ShiftLeft(v, 16), 16) + Vector128.ShiftRightArithmetic(v, 16);
    }

    /// <summary>Finite halves (sign-extended to int32) widened exactly, as <see cref="F16FiniteLoader"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Widen(Vector128<int> h) =>
        (Vector128.ShiftLeft(h, 13) & Vector128.Create(F16FiniteLoader.SignExponentMantissa)).AsSingle() * Vector128.Create(F16FiniteLoader.Rebase);

    /// <summary>Rows <paramref name="r"/> and r + 1 (lanes 0 + 1 and 2 + 3 of <paramref name="f"/>) where below
    /// <paramref name="rows"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* y, int r, Vector128<float> f, int rows)
    {
        if (r < rows) y[r] = f.GetElement(0) + f.GetElement(1);
        if (r + 1 < rows) y[r + 1] = f.GetElement(2) + f.GetElement(3);
    }
}
