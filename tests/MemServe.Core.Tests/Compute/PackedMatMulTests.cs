using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.Compute;

/// <summary>Matmuls over packed panels (<see cref="PanelLayout"/>, <see cref="PanelTiles"/>) against a scalar
/// double-precision reference over the row-major weights: partial last panels, odd widths, every token-group tail.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public unsafe class PackedMatMulTests
{
    public static TheoryData<DType, int, int, int, bool, int> Cases()
    {
        var data = new TheoryData<DType, int, int, int, bool, int>();
        foreach (DType dtype in new[] { DType.F32, DType.F16, DType.BF16 })
        {
            // GEMV, the 4-token tile (1–4 tokens, odd and even columns), 8 and 12 tokens, groups of 12 with every tail.
            foreach (int tokens in new[] { 1, 2, 3, 4, 5, 8, 9, 12, 13, 16, 17, 24, 25, 29 })
            {
                data.Add(dtype, 37, 45, tokens, tokens % 2 == 1, tokens % 3 + 1);
            }
            data.Add(dtype, 13, 7, 3, false, 2);      // one partial panel, fewer rows than a vector
            data.Add(dtype, 64, 96, 40, true, 2);     // whole panels only
            data.Add(dtype, 6, 33, 14, false, 2);     // one row past a panel; 14 tokens = 12 + a 4-token tail
            data.Add(dtype, 1030, 70, 12, true, 2);   // long rows, 3 panels, several blocks
            data.Add(dtype, 2048, 200, 2, false, 2);  // panels larger than a block
            data.Add(dtype, 1030, 40, 70, false, 2);  // input packed on the pool (6 groups, the last of 12 padded from 10)
        }
        return data;
    }

    [KernelPathTheory(CpuKernelPath.Avx512)]
    [MemberData(nameof(Cases))]
    public void Avx512_kernels_match_scalar_reference(DType dtype, int cols, int rows, int tokens, bool withBias, int threads) =>
        MatchesScalarReference(dtype, cols, rows, tokens, withBias, threads, CpuKernelPath.Avx512);

    [KernelPathTheory(CpuKernelPath.Avx2)]
    [MemberData(nameof(Cases))]
    public void Avx2_kernels_match_scalar_reference(DType dtype, int cols, int rows, int tokens, bool withBias, int threads) =>
        MatchesScalarReference(dtype, cols, rows, tokens, withBias, threads, CpuKernelPath.Avx2);

    [KernelPathTheory(CpuKernelPath.Portable)]
    [MemberData(nameof(Cases))]
    public void Portable_kernels_match_scalar_reference(DType dtype, int cols, int rows, int tokens, bool withBias, int threads) =>
        MatchesScalarReference(dtype, cols, rows, tokens, withBias, threads, CpuKernelPath.Portable);

    [Fact]
    public void A_path_the_cpu_lacks_is_refused()
    {
        if (CpuKernels.Best == CpuKernelPath.Avx512) return; // nothing to refuse here: every path runs
        using var pool = new ComputeThreadPool(1);
        Assert.Throws<PlatformNotSupportedException>(() => new MatMul(pool, null, 16, path: CpuKernelPath.Avx512));
    }

    private static void MatchesScalarReference(DType dtype, int cols, int rows, int tokens, bool withBias, int threads, CpuKernelPath path)
    {
        var random = new Random(cols * 31 + rows * 7 + tokens);
        using var weight = new NativeBuffer<byte>((long)rows * cols * dtype.SizeInBytes(), null, MemoryCategory.Weights, "w");
        float[] w = MatMulTestData.RandomWeights(random, weight.Span, dtype, rows * cols);
        float[] x = MatMulTestData.Random(random, tokens * cols);
        float[] bias = MatMulTestData.Random(random, rows);
        using var packed = Pack(weight, dtype, rows, cols, out WeightMatrix matrix);
        using MatMulFixture f = new(threads, cols, tokens, path);
        var y = new float[tokens * rows];

        fixed (float* px = x, pb = bias, py = y)
        {
            f.MatMul.Run(px, cols, tokens, matrix, withBias ? pb : null, py, rows);
        }

        MatMulTestData.AssertMatchesReference(w, x, withBias ? bias : null, y, tokens, rows, cols);
    }

    public static TheoryData<CpuKernelPath, DType, int> FusedCases()
    {
        var data = new TheoryData<CpuKernelPath, DType, int>();
        foreach (CpuKernelPath path in SupportedPaths())
        {
            data.Add(path, DType.F32, 1);
            data.Add(path, DType.BF16, 13);
            data.Add(path, DType.F16, 13);
            data.Add(path, DType.F16, 1);
        }
        return data;
    }

    /// <summary>Every kernel path this CPU runs (the per-path theories above report the others as skipped).</summary>
    public static IEnumerable<CpuKernelPath> SupportedPaths() => Enum.GetValues<CpuKernelPath>().Where(CpuKernels.Supports);

    [Theory]
    [MemberData(nameof(FusedCases))]
    public void Fused_projections_with_partial_panels_each_match_the_reference(CpuKernelPath path, DType dtype, int tokens)
    {
        const int cols = 37;
        int[] rows = [45, 13, 13];
        var random = new Random(5);
        var weights = new NativeBuffer<byte>[3];
        var packed = new NativeBuffer<byte>[3];
        var matrices = new WeightMatrix[3];
        var stored = new float[3][];
        for (int k = 0; k < 3; k++)
        {
            weights[k] = new NativeBuffer<byte>((long)rows[k] * cols * dtype.SizeInBytes(), null, MemoryCategory.Weights, "w");
            stored[k] = MatMulTestData.RandomWeights(random, weights[k].Span, dtype, rows[k] * cols);
            packed[k] = Pack(weights[k], dtype, rows[k], cols, out matrices[k]);
        }
        float[] x = MatMulTestData.Random(random, tokens * cols);
        float[] bias = MatMulTestData.Random(random, rows[0]);
        using MatMulFixture f = new(2, cols, tokens, path);
        var q = new float[tokens * rows[0]];
        var kk = new float[tokens * rows[1]];
        var v = new float[tokens * rows[2]];

        fixed (float* px = x, pb = bias, pq = q, pk = kk, pv = v)
        {
            f.MatMul.Run(px, cols, tokens, new MatMulTarget(matrices[0], pb, pq, rows[0]),
                new MatMulTarget(matrices[1], null, pk, rows[1]), new MatMulTarget(matrices[2], null, pv, rows[2]));
        }

        MatMulTestData.AssertMatchesReference(stored[0], x, bias, q, tokens, rows[0], cols);
        MatMulTestData.AssertMatchesReference(stored[1], x, null, kk, tokens, rows[1], cols);
        MatMulTestData.AssertMatchesReference(stored[2], x, null, v, tokens, rows[2], cols);
        for (int k = 0; k < 3; k++)
        {
            weights[k].Dispose();
            packed[k].Dispose();
        }
    }

    public static TheoryData<CpuKernelPath, int> SpecialCases()
    {
        var data = new TheoryData<CpuKernelPath, int>();
        foreach (CpuKernelPath path in SupportedPaths())
        {
            foreach (int tokens in new[] { 1, 5, 20 }) data.Add(path, tokens);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SpecialCases))]
    public void F16_panels_with_inf_and_nan_are_widened_exactly(CpuKernelPath path, int tokens)
    {
        const int cols = 21, rows = 40;
        var random = new Random(11);
        using var weight = new NativeBuffer<byte>((long)rows * cols * 2, null, MemoryCategory.Weights, "w");
        float[] w = MatMulTestData.RandomWeights(random, weight.Span, DType.F16, rows * cols);
        Half[] specials = [Half.PositiveInfinity, Half.NegativeInfinity, Half.NaN];
        for (int k = 0; k < specials.Length; k++)
        {
            int at = (5 + 17 * k) * cols + 3 + k; // rows 5, 22 and 39: both halves of a panel and the partial one
            BitConverter.TryWriteBytes(weight.Span.Slice(at * 2), specials[k]);
            w[at] = (float)specials[k];
        }
        float[] x = MatMulTestData.Random(random, tokens * cols);
        using var packed = Pack(weight, DType.F16, rows, cols, out WeightMatrix matrix);
        Assert.False(matrix.F16AllFinite);
        using MatMulFixture f = new(2, cols, tokens, path);
        var y = new float[tokens * rows];

        fixed (float* px = x, py = y) f.MatMul.Run(px, cols, tokens, matrix, null, py, rows);

        MatMulTestData.AssertMatchesReference(w, x, null, y, tokens, rows, cols);
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void Every_row_reads_back_from_the_panels(DType dtype)
    {
        const int cols = 19, rows = 70;
        using var weight = new NativeBuffer<byte>((long)rows * cols * dtype.SizeInBytes(), null, MemoryCategory.Weights, "w");
        float[] w = MatMulTestData.RandomWeights(new Random(3), weight.Span, dtype, rows * cols);
        using var packed = Pack(weight, dtype, rows, cols, out WeightMatrix matrix);
        var row = new float[cols];

        for (int r = 0; r < rows; r++)
        {
            fixed (float* p = row) WeightConvert.Row(matrix, r, p);
            Assert.Equal(w.AsSpan(r * cols, cols).ToArray(), row);
        }
        Assert.Equal(3L * 32 * cols * dtype.SizeInBytes(), matrix.DataBytes); // the last panel is padded with zero rows
        Assert.Throws<InvalidOperationException>(() => matrix.Row(0));
    }

    private static NativeBuffer<byte> Pack(NativeBuffer<byte> weight, DType dtype, int rows, int cols, out WeightMatrix matrix)
    {
        int eb = dtype.SizeInBytes();
        var packed = new NativeBuffer<byte>(PanelLayout.PackedBytes(rows, cols, eb), null, MemoryCategory.Weights, "packed");
        PanelLayout.Pack(weight.Pointer, rows, cols, eb, packed.Pointer, 0, PanelLayout.PanelsFor(rows));
        matrix = new WeightMatrix(packed.Pointer, WeightMatrix.FormatOf(dtype), rows, cols, null, packed: true);
        return packed;
    }
}
