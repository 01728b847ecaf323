using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.Compute;

/// <summary>Packed Q8 panels (<see cref="Q8Panels"/>, <see cref="Q8PanelKernels"/>) against the integer reference of the
/// row-major Q8 copy (the same int8 values; block scales rounded to F16), on partial panels and padded blocks.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public unsafe class Q8PanelTests
{
    public static TheoryData<DType, int, int, int, int> Cases()
    {
        var data = new TheoryData<DType, int, int, int, int>();
        foreach (DType dtype in new[] { DType.F32, DType.F16, DType.BF16 })
        {
            foreach (int tokens in new[] { 1, 2, 3, 4, 5, 8, 9 }) data.Add(dtype, 96, 45, tokens, tokens % 2 + 1);
            data.Add(dtype, 75, 37, 6, 2);    // cols not a multiple of 32: zero-padded last block
            data.Add(dtype, 7, 5, 3, 1);      // narrower than a block, fewer rows than a panel
            data.Add(dtype, 640, 600, 1, 2);  // GEMV over many panels and blocks
            data.Add(dtype, 640, 600, 12, 2); // panel blocks in the multi-token loop
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Packed_q8_matmul_matches_the_integer_reference(DType dtype, int cols, int rows, int tokens, int threads)
    {
        var random = new Random(cols * 17 + rows + tokens);
        using var weight = new NativeBuffer<byte>((long)rows * cols * dtype.SizeInBytes(), null, MemoryCategory.Weights, "w");
        float[] w = MatMulTestData.RandomWeights(random, weight.Span, dtype, rows * cols);
        float[] x = MatMulTestData.Random(random, tokens * cols);
        var source = new WeightMatrix(weight.Pointer, dtype, rows, cols);
        using var rowMajor = new NativeBuffer<byte>(Q8Quantizer.BytesFor(rows, cols), null, MemoryCategory.Weights, "q8");
        WeightMatrix reference = Q8Quantizer.Quantize(source, rowMajor.Pointer);
        using var panels = new NativeBuffer<byte>(Q8Panels.BytesFor(rows, cols), null, MemoryCategory.Weights, "q8 panels");
        WeightMatrix packed = Q8Panels.Quantize(source, panels.Pointer);
        Assert.True(packed.Packed);
        Assert.Equal((long)Q8Panels.PanelsFor(rows) * Q8Block.BlocksFor(cols) * 544, packed.DataBytes);
        var y = new float[tokens * rows];

        using (var f = new MatMulFixture(threads, cols, tokens))
        {
            fixed (float* px = x, py = y) f.MatMul.Run(px, cols, tokens, packed, null, py, rows);
        }

        AssertMatchesReference(reference, w, x, y, tokens, rows, cols, 0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public void Fused_packed_q8_projections_each_match_the_reference(int tokens)
    {
        const int cols = 70;
        int[] rows = [45, 13, 13];
        var random = new Random(8);
        var buffers = new List<IDisposable>();
        var references = new WeightMatrix[3];
        var packed = new WeightMatrix[3];
        var stored = new float[3][];
        for (int k = 0; k < 3; k++)
        {
            var weight = new NativeBuffer<byte>((long)rows[k] * cols * 2, null, MemoryCategory.Weights, "w");
            stored[k] = MatMulTestData.RandomWeights(random, weight.Span, DType.BF16, rows[k] * cols);
            var source = new WeightMatrix(weight.Pointer, DType.BF16, rows[k], cols);
            var q = new NativeBuffer<byte>(Q8Quantizer.BytesFor(rows[k], cols), null, MemoryCategory.Weights, "q8");
            var p = new NativeBuffer<byte>(Q8Panels.BytesFor(rows[k], cols), null, MemoryCategory.Weights, "panels");
            buffers.AddRange([weight, q, p]);
            references[k] = Q8Quantizer.Quantize(source, q.Pointer);
            packed[k] = Q8Panels.Quantize(source, p.Pointer);
        }
        float[] x = MatMulTestData.Random(random, tokens * cols);
        var ys = new[] { new float[tokens * rows[0]], new float[tokens * rows[1]], new float[tokens * rows[2]] };

        using (var f = new MatMulFixture(2, cols, tokens))
        {
            fixed (float* px = x, y0 = ys[0], y1 = ys[1], y2 = ys[2])
            {
                f.MatMul.Run(px, cols, tokens, new MatMulTarget(packed[0], null, y0, rows[0]),
                    new MatMulTarget(packed[1], null, y1, rows[1]), new MatMulTarget(packed[2], null, y2, rows[2]));
            }
        }

        for (int k = 0; k < 3; k++) AssertMatchesReference(references[k], stored[k], x, ys[k], tokens, rows[k], cols, k);
        foreach (IDisposable buffer in buffers) buffer.Dispose();
    }

    [Fact]
    public void Rows_read_back_from_the_panels_with_f16_scales()
    {
        const int rows = 21, cols = 75;
        using var weight = new NativeBuffer<byte>((long)rows * cols * 4, null, MemoryCategory.Weights, "w");
        MatMulTestData.RandomWeights(new Random(4), weight.Span, DType.F32, rows * cols);
        var source = new WeightMatrix(weight.Pointer, DType.F32, rows, cols);
        using var rowMajor = new NativeBuffer<byte>(Q8Quantizer.BytesFor(rows, cols), null, MemoryCategory.Weights, "q8");
        WeightMatrix reference = Q8Quantizer.Quantize(source, rowMajor.Pointer);
        using var panels = new NativeBuffer<byte>(Q8Panels.BytesFor(rows, cols), null, MemoryCategory.Weights, "panels");
        WeightMatrix packed = Q8Panels.Quantize(source, panels.Pointer);
        var row = new float[cols];
        int blocks = Q8Block.BlocksFor(cols);

        for (int r = 0; r < rows; r++)
        {
            fixed (float* p = row) WeightConvert.Row(packed, r, p);
            sbyte* q = (sbyte*)reference.Row(r);
            for (int i = 0; i < cols; i++) Assert.Equal(q[i] * (float)(Half)reference.Scales[r * blocks + i / 32], row[i]);
        }
    }

    /// <summary>Shapes for the per-path kernel tests: (cols, rows, tokens, values) where values 0 is uniform random,
    /// 1 random ±1 (every int8 value ±127), 2 all +1 (every pair of products 2 · 127², the int16 bound of
    /// <c>vpmaddubsw</c>), 3 weights −1 against inputs +1 (the most negative sums).</summary>
    public static TheoryData<int, int, int, int> PathCases()
    {
        var data = new TheoryData<int, int, int, int>();
        for (int tokens = 1; tokens <= 13; tokens++) data.Add(96, 45, tokens, 0); // partial last panel (45 = 2 · 16 + 13)
        data.Add(75, 37, 6, 0);    // cols not a multiple of 32
        data.Add(40, 17, 5, 0);
        data.Add(7, 5, 3, 0);      // narrower than a block, fewer rows than a panel
        data.Add(600, 640, 1, 0);  // GEMV over many panels and blocks
        data.Add(600, 640, 11, 0); // several panel blocks in the multi-token loop
        foreach (int values in new[] { 1, 2, 3 })
        {
            data.Add(96, 48, 1, values);
            data.Add(200, 33, 13, values);
        }
        return data;
    }

    [VnniTheory]
    [MemberData(nameof(PathCases))]
    public void Vnni_panel_kernels_match_the_integer_reference(int cols, int rows, int tokens, int values) =>
        CheckPanelKernels(CpuKernelPath.Avx2, true, cols, rows, tokens, values);

    [KernelPathTheory(CpuKernelPath.Avx2)]
    [MemberData(nameof(PathCases))]
    public void Avx2_maddubs_panel_kernels_match_the_integer_reference(int cols, int rows, int tokens, int values) =>
        CheckPanelKernels(CpuKernelPath.Avx2, false, cols, rows, tokens, values);

    [KernelPathTheory(CpuKernelPath.Portable)]
    [MemberData(nameof(PathCases))]
    public void Portable_panel_kernels_match_the_integer_reference(int cols, int rows, int tokens, int values) =>
        CheckPanelKernels(CpuKernelPath.Portable, false, cols, rows, tokens, values);

    /// <summary>Runs one path's <see cref="Q8PanelKernels"/> alone (one thread, the whole matrix) and checks every output
    /// against the integer reference, and that nothing past the last row of an output row was written.</summary>
    private static void CheckPanelKernels(CpuKernelPath path, bool vnni, int cols, int rows, int tokens, int values)
    {
        var random = new Random(cols * 31 + rows * 7 + tokens + values * 1000);
        float[] w = Q8KernelTests.Values(random, rows * cols, values, weights: true);
        float[] x = Q8KernelTests.Values(random, tokens * cols, values, weights: false);
        using var weight = new NativeBuffer<byte>((long)rows * cols * 4, null, MemoryCategory.Weights, "w");
        w.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(weight.Span));
        var source = new WeightMatrix(weight.Pointer, DType.F32, rows, cols);
        using var rowMajor = new NativeBuffer<byte>(Q8Quantizer.BytesFor(rows, cols), null, MemoryCategory.Weights, "q8");
        WeightMatrix reference = Q8Quantizer.Quantize(source, rowMajor.Pointer);
        using var panels = new NativeBuffer<byte>(Q8Panels.BytesFor(rows, cols), null, MemoryCategory.Weights, "q8 panels");
        WeightMatrix packed = Q8Panels.Quantize(source, panels.Pointer);
        int blocks = Q8Block.BlocksFor(cols), ys = rows + 3;
        var xq = new sbyte[tokens * blocks * 32];
        var xs = new float[tokens * blocks];
        var xsum = new int[tokens * blocks];
        var y = new float[tokens * ys];
        Array.Fill(y, float.NaN);
        var scales = new float[blocks];

        fixed (float* px = x, pxs = xs, py = y, ps = scales)
        fixed (sbyte* pxq = xq)
        fixed (int* pxsum = xsum)
        {
            for (int t = 0; t < tokens; t++)
            {
                for (int b = 0; b < blocks; b++)
                {
                    Q8Block.QuantizeScalar(px + t * cols + b * 32, Math.Min(32, cols - b * 32), pxq + (t * blocks + b) * 32, pxs + t * blocks + b);
                    for (int i = 0; i < 32; i++) pxsum[t * blocks + b] += pxq[(t * blocks + b) * 32 + i];
                }
            }
            Q8PanelKernels.Rows(path, vnni, packed.Data, cols, rows, pxq, pxs, pxsum, tokens, py, ys);

            for (int t = 0; t < tokens; t++)
            {
                for (int r = 0; r < rows; r++)
                {
                    for (int b = 0; b < blocks; b++) scales[b] = (float)(Half)reference.Scales[r * blocks + b];
                    float exact = Q8Kernels.DotScalar((sbyte*)reference.Row(r), ps, pxq + t * blocks * 32, pxs + t * blocks, blocks);
                    float actual = y[t * ys + r];
                    Assert.True(Math.Abs(exact - actual) <= 1e-4 * (1 + Math.Abs(exact)), $"{path}{(vnni ? " vnni" : "")}: y[{t}, {r}] = {actual}, expected {exact}");
                }
                for (int r = rows; r < ys; r++) Assert.True(float.IsNaN(y[t * ys + r]), $"{path}: y[{t}, {r}] past the rows was written");
            }
        }
    }

    /// <summary>Each output equals the block sums of the reference's int8 values with the weight scales rounded to F16
    /// (up to FP32 summation order), and the float product within the two quantizations' error.</summary>
    private static void AssertMatchesReference(in WeightMatrix reference, float[] w, float[] x, float[] y, int tokens, int rows, int cols, int tag)
    {
        int blocks = Q8Block.BlocksFor(cols);
        var xq = new sbyte[blocks * 32];
        var xs = new float[blocks];
        var scales = new float[blocks];
        for (int t = 0; t < tokens; t++)
        {
            fixed (float* px = &x[t * cols], pxs = xs, ps = scales)
            fixed (sbyte* pxq = xq)
            {
                Q8Block.QuantizeRow(px, cols, pxq, pxs);
                for (int r = 0; r < rows; r++)
                {
                    for (int b = 0; b < blocks; b++) scales[b] = (float)(Half)reference.Scales[r * blocks + b];
                    float exact = Q8Kernels.DotScalar((sbyte*)reference.Row(r), ps, pxq, pxs, blocks);
                    float actual = y[t * rows + r];
                    Assert.True(Math.Abs(exact - actual) <= 1e-4 * (1 + Math.Abs(exact)), $"[{tag}] int8 y[{t}, {r}] = {actual}, expected {exact}");
                    double f = 0, norm = 0;
                    for (int i = 0; i < cols; i++) { f += (double)w[r * cols + i] * x[t * cols + i]; norm += Math.Abs(w[r * cols + i] * x[t * cols + i]); }
                    Assert.True(Math.Abs(f - actual) <= 0.02 * norm + 1e-6, $"[{tag}] float y[{t}, {r}] = {actual}, expected {f}");
                }
            }
        }
    }
}
