using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.Compute;

/// <summary>The SIMD matmul against a scalar double-precision reference, on odd shapes with tails.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public unsafe class MatMulTests
{
    public static TheoryData<DType, int, int, int, bool, int> Cases()
    {
        var data = new TheoryData<DType, int, int, int, bool, int>();
        foreach (DType dtype in new[] { DType.F32, DType.F16, DType.BF16 })
        {
            foreach (int tokens in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17 })
            {
                data.Add(dtype, 67, 13, tokens, tokens % 2 == 1, tokens % 2 + 1);
            }
            data.Add(dtype, 75, 37, 6, true, 2);   // 16-wide, 8-wide and scalar tails
            data.Add(dtype, 7, 5, 4, false, 2);    // narrower than one vector
            data.Add(dtype, 256, 130, 1, false, 2); // GEMV over many chunks
            data.Add(dtype, 91, 37, 14, true, 2);   // batched decode: 8 × 2 tile, 4 × 4, leftover tokens, odd rows and tails
            data.Add(dtype, 200, 9, 16, false, 1);  // 8 × 2 tile with an odd last row
            data.Add(dtype, 2100, 13, 21, true, 2); // rows over 1024 in 3 column chunks (the last with a scalar tail), 8 × 2 groups, a 4 × 4 group, a leftover token, an odd row
            data.Add(dtype, 2048, 64, 40, false, 2); // prefill: chunks of exactly 1024, bigger row blocks
            data.Add(dtype, 576, 14, 16, false, 1);  // 8 × 3 tiles (F32/BF16) then an 8 × 2 pair
            data.Add(dtype, 1536, 13, 24, true, 2);  // 8 × 3 tiles over 2 column chunks, then an odd row
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_scalar_reference(DType dtype, int cols, int rows, int tokens, bool withBias, int threads)
    {
        var random = new Random(cols * 31 + rows * 7 + tokens);
        using var weight = new NativeBuffer<byte>((long)rows * cols * dtype.SizeInBytes(), null, MemoryCategory.Weights, "w");
        float[] w = MatMulTestData.RandomWeights(random, weight.Span, dtype, rows * cols);
        float[] x = MatMulTestData.Random(random, tokens * cols);
        float[] bias = MatMulTestData.Random(random, rows);
        using var pool = new ComputeThreadPool(threads);
        using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(threads, cols), null, MemoryCategory.Scratch, "s");
        var matMul = new MatMul(pool, scratch.Pointer, cols);
        var y = new float[tokens * rows];

        fixed (float* px = x, pb = bias, py = y)
        {
            matMul.Run(px, cols, tokens, new WeightMatrix(weight.Pointer, dtype, rows, cols), withBias ? pb : null, py, rows);
        }

        MatMulTestData.AssertMatchesReference(w, x, withBias ? bias : null, y, tokens, rows, cols);
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    public void A_prefill_input_with_4k_aligned_rows_is_padded_and_gives_the_same_bits(DType dtype)
    {
        const int cols = 1024, rows = 37, tokens = 24; // 4 KiB rows of FP32 input
        var random = new Random(17);
        using var weight = new NativeBuffer<byte>((long)rows * cols * dtype.SizeInBytes(), null, MemoryCategory.Weights, "w");
        MatMulTestData.RandomWeights(random, weight.Span, dtype, rows * cols);
        float[] x = MatMulTestData.Random(random, tokens * cols);
        using var pool = new ComputeThreadPool(2);
        using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(2, cols), null, MemoryCategory.Scratch, "s");
        using var padded = new NativeBuffer<float>(MatMul.PaddedInputFloats(tokens, cols, cols), null, MemoryCategory.Scratch, "padded");
        var plain = new float[tokens * rows];
        var viaPadding = new float[tokens * rows];
        var w = new WeightMatrix(weight.Pointer, dtype, rows, cols);

        fixed (float* px = x, py = plain, pz = viaPadding)
        {
            new MatMul(pool, scratch.Pointer, cols).Run(px, cols, tokens, w, null, py, rows);
            padded.Span.Fill(float.NaN); // the padding itself must never be read
            new MatMul(pool, scratch.Pointer, cols, paddedInput: padded.Pointer, paddedTokens: tokens).Run(px, cols, tokens, w, null, pz, rows);
        }

        Assert.Equal(plain, viaPadding);
        Assert.False(float.IsNaN(padded.Pointer[cols + MatMul.InputPad])); // row 1 was copied: the padded path ran
    }

    [Fact]
    public void Fused_projections_write_each_output()
    {
        var random = new Random(5);
        const int cols = 33;
        using var wa = new NativeBuffer<byte>(9 * cols * 2, null, MemoryCategory.Weights, "a");
        using var wb = new NativeBuffer<byte>(6 * cols * 4, null, MemoryCategory.Weights, "b");
        float[] a = MatMulTestData.RandomWeights(random, wa.Span, DType.BF16, 9 * cols);
        float[] b = MatMulTestData.RandomWeights(random, wb.Span, DType.F32, 6 * cols);
        float[] x = MatMulTestData.Random(random, 2 * cols);
        using var pool = new ComputeThreadPool(2);
        using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(2, cols), null, MemoryCategory.Scratch, "s");
        var ya = new float[2 * 9];
        var yb = new float[2 * 6];

        fixed (float* px = x, pa = ya, pb = yb)
        {
            new MatMul(pool, scratch.Pointer, cols).Run(px, cols, 2,
                new MatMulTarget(new WeightMatrix(wa.Pointer, DType.BF16, 9, cols), null, pa, 9),
                new MatMulTarget(new WeightMatrix(wb.Pointer, DType.F32, 6, cols), null, pb, 6));
        }

        double expectedA = 0, expectedB = 0;
        for (int i = 0; i < cols; i++) { expectedA += a[8 * cols + i] * x[cols + i]; expectedB += b[5 * cols + i] * x[cols + i]; }
        Assert.Equal(expectedA, ya[9 + 8], 4);
        Assert.Equal(expectedB, yb[6 + 5], 4);
    }
}
