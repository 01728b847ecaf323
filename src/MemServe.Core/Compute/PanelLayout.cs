using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MemServe.Compute;

/// <summary>
/// The packed layout of a weight matrix that the panel kernels (<see cref="PanelTiles"/>) read as one sequential
/// stream: rows in panels of <see cref="Rows"/>, a panel stored column by column (k-major), so step k of a panel is
/// the 32 weights <c>W[32p .. 32p + 31, k]</c> in one 64-byte (2-byte dtypes) or 128-byte (FP32) line. FP32 steps
/// hold the rows in order; 2-byte steps hold row j in the low half of 32-bit lane j and row 16 + j in its high half,
/// so widening is one shift and one mask (<see cref="Bf16Panel"/>). The last panel is padded with zero rows.
/// </summary>
internal static unsafe class PanelLayout
{
    /// <summary>Rows of one panel: two zmm vectors of FP32 outputs.</summary>
    public const int Rows = 32;

    /// <summary>Panels of a matrix with <paramref name="rows"/> rows.</summary>
    public static int PanelsFor(int rows) => (rows + Rows - 1) / Rows;

    /// <summary>Bytes of one panel of <paramref name="cols"/> columns.</summary>
    public static long PanelBytes(int cols, int elementBytes) => (long)Rows * cols * elementBytes;

    /// <summary>Bytes of the packed copy of a rows × cols matrix.</summary>
    public static long PackedBytes(int rows, int cols, int elementBytes) => PanelsFor(rows) * PanelBytes(cols, elementBytes);

    /// <summary>Packs panels [<paramref name="panelBegin"/>, <paramref name="panelEnd"/>) of the row-major matrix at
    /// <paramref name="source"/> (<paramref name="rows"/> × <paramref name="cols"/>, 2- or 4-byte elements) into
    /// <paramref name="destination"/>, which holds the whole packed matrix.</summary>
    public static void Pack(byte* source, int rows, int cols, int elementBytes, byte* destination, int panelBegin, int panelEnd)
    {
        for (int p = panelBegin; p < panelEnd; p++)
        {
            byte* panel = destination + p * PanelBytes(cols, elementBytes);
            for (int j = 0; j < Rows; j++)
            {
                int r = p * Rows + j;
                if (elementBytes == 4)
                {
                    float* d = (float*)panel + j;
                    float* s = (float*)(source + (long)r * cols * 4);
                    for (int k = 0; k < cols; k++) d[(long)k * Rows] = r < rows ? s[k] : 0f;
                }
                else
                {
                    ushort* d = (ushort*)panel + Slot(j, 2);
                    ushort* s = (ushort*)(source + (long)r * cols * 2);
                    for (int k = 0; k < cols; k++) d[(long)k * Rows] = r < rows ? s[k] : (ushort)0;
                }
            }
        }
    }

    /// <summary>Offset, in elements from the start of its panel's step, of row <paramref name="row"/>'s weight.</summary>
    public static int Slot(int row, int elementBytes)
    {
        int j = row % Rows;
        if (elementBytes == 4) return j;
        return j < 16 ? 2 * j : 2 * (j - 16) + 1;
    }

    /// <summary>Widens row <paramref name="row"/> of the packed F32/F16/BF16 <paramref name="matrix"/> into
    /// <paramref name="destination"/> (Cols floats): the embedding lookup of a packed tied embedding.</summary>
    public static void ReadRow(in WeightMatrix matrix, int row, float* destination)
    {
        int cols = matrix.Cols, eb = matrix.ElementBytes;
        byte* p = matrix.Data + (row / Rows) * PanelBytes(cols, eb);
        int slot = Slot(row, eb);
        switch (matrix.Format)
        {
            case WeightFormat.F32:
                for (int k = 0; k < cols; k++) destination[k] = ((float*)p)[(long)k * Rows + slot];
                break;
            case WeightFormat.BF16:
                for (int k = 0; k < cols; k++) destination[k] = BitConverter.UInt32BitsToSingle((uint)((ushort*)p)[(long)k * Rows + slot] << 16);
                break;
            default:
                for (int k = 0; k < cols; k++) destination[k] = (float)((Half*)p)[(long)k * Rows + slot];
                break;
        }
    }

    /// <summary>Token group <paramref name="group"/> of <paramref name="tokens"/>: its first token and its width, groups of
    /// <see cref="PanelTiles.MaxTokens"/> and a last one of the rest rounded up to 4, 8 or 12 (its extra tokens are
    /// zeros). Splitting 12 + 4 into 8 + 8 measured the same (batched decode of 16 sequences, 0.996×).</summary>
    public static void Group(int tokens, int group, out int first, out int width)
    {
        first = group * PanelTiles.MaxTokens;
        int left = tokens - first;
        width = left >= PanelTiles.MaxTokens ? PanelTiles.MaxTokens : (left + 3) & ~3;
    }

    /// <summary>Token groups of <paramref name="tokens"/>.</summary>
    public static int GroupsFor(int tokens) => (tokens + PanelTiles.MaxTokens - 1) / PanelTiles.MaxTokens;

    /// <summary>Floats of the packed input for <paramref name="tokens"/> rows of up to <paramref name="cols"/> columns.</summary>
    public static long PackedInputFloats(int tokens, int cols) => (long)GroupsFor(tokens) * PanelTiles.MaxTokens * cols;

    /// <summary>Packs token groups [<paramref name="groupBegin"/>, <paramref name="groupEnd"/>) of the input rows
    /// (tokens × cols, row stride <paramref name="xStride"/>) column by column: group g starts at
    /// <c>first · cols</c> (<see cref="Group"/>) and step k holds the group's width of values of column k
    /// (zeros past the last token), so a tile broadcasts consecutive floats.</summary>
    public static void PackInput(float* x, int xStride, int tokens, int cols, float* destination, int groupBegin, int groupEnd)
    {
        for (int g = groupBegin; g < groupEnd; g++)
        {
            Group(tokens, g, out int first, out int width);
            float* d = destination + (long)first * cols;
            // Four tokens at a time: 4 × 4 register transposes (x86) turn four rows' columns k..k+3 into four steps' slots.
            for (int t = 0; t < width; t += 4, d += 4)
            {
                float* s0 = Row(x, xStride, tokens, first + t), s1 = Row(x, xStride, tokens, first + t + 1);
                float* s2 = Row(x, xStride, tokens, first + t + 2), s3 = Row(x, xStride, tokens, first + t + 3);
                int k = 0;
                for (; Sse.IsSupported && k + 4 <= cols; k += 4)
                {
                    Vector128<float> r0 = Load4(s0, k), r1 = Load4(s1, k), r2 = Load4(s2, k), r3 = Load4(s3, k);
                    Vector128<float> l01 = Sse.UnpackLow(r0, r1), h01 = Sse.UnpackHigh(r0, r1);
                    Vector128<float> l23 = Sse.UnpackLow(r2, r3), h23 = Sse.UnpackHigh(r2, r3);
                    float* o = d + (long)k * width;
                    Sse.MoveLowToHigh(l01, l23).Store(o);
                    Sse.MoveHighToLow(l23, l01).Store(o + width);
                    Sse.MoveLowToHigh(h01, h23).Store(o + 2L * width);
                    Sse.MoveHighToLow(h23, h01).Store(o + 3L * width);
                }
                for (; k < cols; k++)
                {
                    float* o = d + (long)k * width;
                    o[0] = s0 == null ? 0f : s0[k];
                    o[1] = s1 == null ? 0f : s1[k];
                    o[2] = s2 == null ? 0f : s2[k];
                    o[3] = s3 == null ? 0f : s3[k];
                }
            }
        }
    }

    /// <summary>Input row <paramref name="token"/>, or null past the last token (a padding token of zeros).</summary>
    private static float* Row(float* x, int xStride, int tokens, int token) => token < tokens ? x + (long)token * xStride : null;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Load4(float* row, int k) => row == null ? Vector128<float>.Zero : Vector128.Load(row + k);
}
