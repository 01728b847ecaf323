using System.Numerics.Tensors;

namespace MemServe.Compute;

/// <summary>
/// One thread's share of one target of a <see cref="MatMulJob"/>: packed panels (<see cref="PanelMatMul"/>,
/// <see cref="Q8PanelKernels"/>; F16 prefill widens pairs of panels into the thread's scratch first) or row-major rows
/// (<see cref="MatMulKernels"/>, <see cref="Q8Kernels"/>; F16 prefill converts 64-row tiles), then the bias.
/// </summary>
internal static unsafe class MatMulTargetRunner
{
    /// <summary>Panels [<paramref name="lo"/>, <paramref name="hi"/>) of a packed target.</summary>
    public static void RunPanels(MatMulJob* job, in MatMulTarget t, int lo, int hi, int thread)
    {
        WeightMatrix w = t.W;
        if (w.Format == WeightFormat.Q8)
        {
            int first = lo * Q8Panels.Rows, count = Math.Min(hi * Q8Panels.Rows, w.Rows) - first;
            Q8PanelKernels.Rows(job->Path, CpuKernels.Int8DotProductOn(job->Path), w.Data + lo * Q8Panels.PanelBytes(w.Cols), w.Cols, count, job->Xq, job->Xs, job->Xsum, job->Tokens, t.Y + first, t.YStride);
            if (t.Bias != null) AddBias(t.Bias, t.Y, t.YStride, job->Tokens, first, first + count);
            return;
        }
        int rowBegin = lo * PanelLayout.Rows, rows = Math.Min(hi * PanelLayout.Rows, w.Rows) - rowBegin;
        byte* panels = w.Data + lo * PanelLayout.PanelBytes(w.Cols, w.ElementBytes);
        float* y = t.Y + rowBegin;
        switch (w.Format)
        {
            case WeightFormat.F32:
                PanelMatMul.Rows<F32Panel>(panels, w.Cols, rows, job->X, job->Xp, job->Tokens, y, t.YStride, job->Path);
                break;
            case WeightFormat.BF16:
                PanelMatMul.Rows<Bf16Panel>(panels, w.Cols, rows, job->X, job->Xp, job->Tokens, y, t.YStride, job->Path);
                break;
            default:
                if (job->Tokens > MatMulKernels.MaxWideTokens)
                {
                    RunF16Panels(job, w, panels, rows, y, t.YStride, thread);
                }
                else if (w.F16AllFinite)
                {
                    PanelMatMul.Rows<F16FinitePanel>(panels, w.Cols, rows, job->X, job->Xp, job->Tokens, y, t.YStride, job->Path);
                }
                else
                {
                    PanelMatMul.Rows<F16Panel>(panels, w.Cols, rows, job->X, job->Xp, job->Tokens, y, t.YStride, job->Path);
                }
                break;
        }
        if (t.Bias != null) AddBias(t.Bias, t.Y, t.YStride, job->Tokens, rowBegin, rowBegin + rows);
    }

    public static void RunRows(MatMulJob* job, in MatMulTarget t, int lo, int hi, int thread)
    {
        WeightMatrix w = t.W;
        switch (w.Format)
        {
            case WeightFormat.F32:
                MatMulKernels.Rows<F32Loader>(w.Data, w.RowBytes, w.Cols, job->X, job->XStride, job->Tokens, t.Y, t.YStride, lo, hi);
                break;
            case WeightFormat.BF16:
                MatMulKernels.Rows<Bf16Loader>(w.Data, w.RowBytes, w.Cols, job->X, job->XStride, job->Tokens, t.Y, t.YStride, lo, hi);
                break;
            case WeightFormat.Q8:
                Q8Kernels.Rows(job->Path, CpuKernels.Int8DotProductOn(job->Path), w, job->Xq, job->Xs, job->Tokens, t.Y, t.YStride, lo, hi);
                break;
            default:
                // In-register widening for decode: 1..3 tokens (GEMV) and batched decode up to MaxWideTokens (the tiles
                // widen each weight vector once per 4 or 8 tokens, cheaper than converting tiles); converted tiles for prefill.
                if (job->Tokens <= MatMulKernels.MaxWideTokens)
                {
                    if (w.F16AllFinite) MatMulKernels.Rows<F16FiniteLoader>(w.Data, w.RowBytes, w.Cols, job->X, job->XStride, job->Tokens, t.Y, t.YStride, lo, hi);
                    else MatMulKernels.Rows<F16Loader>(w.Data, w.RowBytes, w.Cols, job->X, job->XStride, job->Tokens, t.Y, t.YStride, lo, hi);
                }
                else
                {
                    RunF16Rows(job, w, t.Y, t.YStride, lo, hi, thread);
                }
                break;
        }
        if (t.Bias != null) AddBias(t.Bias, t.Y, t.YStride, job->Tokens, lo, hi);
    }

    /// <summary>F16 prefill over packed panels: pairs of panels widened to FP32 in the thread's scratch once, then the FP32
    /// tiles pass every token group over them.</summary>
    private static void RunF16Panels(MatMulJob* job, WeightMatrix w, byte* panels, int rows, float* y, int yStride, int thread)
    {
        const int PanelsPerTile = MatMul.F16TileRows / PanelLayout.Rows;
        float* tile = job->Scratch + (long)thread * MatMul.F16TileRows * job->MaxCols;
        long panelBytes = PanelLayout.PanelBytes(w.Cols, 2);
        for (int r0 = 0; r0 < rows; r0 += MatMul.F16TileRows, panels += PanelsPerTile * panelBytes)
        {
            int count = Math.Min(MatMul.F16TileRows, rows - r0);
            if (w.F16AllFinite) PanelMatMul.Widen<F16FinitePanel>(panels, w.Cols, PanelLayout.PanelsFor(count), tile, job->Path);
            else PanelMatMul.Widen<F16Panel>(panels, w.Cols, PanelLayout.PanelsFor(count), tile, job->Path);
            PanelMatMul.Rows<F32Panel>((byte*)tile, w.Cols, count, job->X, job->Xp, job->Tokens, y + r0, yStride, job->Path);
        }
    }

    private static void RunF16Rows(MatMulJob* job, WeightMatrix w, float* y, int yStride, int lo, int hi, int thread)
    {
        int cols = w.Cols;
        float* tile = job->Scratch + (long)thread * MatMul.F16TileRows * job->MaxCols;
        for (int r0 = lo; r0 < hi; r0 += MatMul.F16TileRows)
        {
            int rows = Math.Min(MatMul.F16TileRows, hi - r0);
            TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(w.Row(r0), rows * cols), new Span<float>(tile, rows * cols));
            // The tile is rows × cols FP32, so row k of the tile is output row r0 + k.
            MatMulKernels.Rows<F32Loader>((byte*)tile, (long)cols * sizeof(float), cols, job->X, job->XStride, job->Tokens,
                y + r0, yStride, 0, rows);
        }
    }

    private static void AddBias(float* bias, float* y, int yStride, int tokens, int lo, int hi)
    {
        var b = new ReadOnlySpan<float>(bias + lo, hi - lo);
        for (int t = 0; t < tokens; t++)
        {
            var row = new Span<float>(y + (long)t * yStride + lo, hi - lo);
            TensorPrimitives.Add(row, b, row);
        }
    }
}
