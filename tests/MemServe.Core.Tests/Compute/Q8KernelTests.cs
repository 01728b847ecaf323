using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.Compute;

/// <summary>Int8 quantization and the int8 matmul against scalar references, on odd shapes with tails.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public unsafe class Q8KernelTests
{
    [Theory]
    [InlineData(32)]
    [InlineData(100)]
    [InlineData(7)]
    public void Quantized_row_round_trips_within_half_a_step(int n)
    {
        float[] x = Random(new Random(n), n);
        int blocks = Q8Block.BlocksFor(n);
        var q = new sbyte[blocks * Q8Block.Size];
        var scales = new float[blocks];
        var back = new float[n];
        fixed (float* px = x, ps = scales, pb = back)
        fixed (sbyte* pq = q)
        {
            Q8Block.QuantizeRow(px, n, pq, ps);
            Q8Block.DequantizeRow(pq, ps, n, pb);
        }
        for (int i = 0; i < n; i++) Assert.True(Math.Abs(x[i] - back[i]) <= scales[i / 32] * 0.5f + 1e-7f, $"x[{i}]");
        for (int i = n; i < q.Length; i++) Assert.Equal(0, q[i]);
    }

    [Fact]
    public void Vector_quantizer_matches_scalar_quantizer()
    {
        float[] x = Random(new Random(9), 64);
        var q1 = new sbyte[64];
        var q2 = new sbyte[64];
        var s1 = new float[2];
        var s2 = new float[2];
        fixed (float* px = x, ps1 = s1, ps2 = s2)
        fixed (sbyte* pq1 = q1, pq2 = q2)
        {
            Q8Block.QuantizeRow(px, 64, pq1, ps1);
            Q8Block.QuantizeScalar(px, 32, pq2, ps2);
            Q8Block.QuantizeScalar(px + 32, 32, pq2 + 32, ps2 + 1);
        }
        Assert.Equal(q2, q1);
        Assert.Equal(s2, s1);
    }

    public static TheoryData<DType, int, int, int, int> MatMulCases()
    {
        var data = new TheoryData<DType, int, int, int, int>();
        foreach (DType dtype in new[] { DType.F32, DType.F16, DType.BF16 })
        {
            foreach (int tokens in new[] { 1, 3, 4, 5, 9 }) data.Add(dtype, 96, 13, tokens, tokens % 2 + 1);
            data.Add(dtype, 75, 37, 6, 2);   // cols not a multiple of 32: zero-padded last block
            data.Add(dtype, 7, 5, 4, 1);     // narrower than one block
            data.Add(dtype, 256, 130, 1, 2); // GEMV over many chunks
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(MatMulCases))]
    public void Q8_matmul_matches_integer_reference_and_float_within_tolerance(DType dtype, int cols, int rows, int tokens, int threads)
    {
        var random = new Random(cols * 17 + rows + tokens);
        using var weight = new NativeBuffer<byte>((long)rows * cols * dtype.SizeInBytes(), null, MemoryCategory.Weights, "w");
        float[] w = MatMulTestData.RandomWeights(random, weight.Span, dtype, rows * cols);
        float[] x = Random(random, tokens * cols);
        using var q8 = new NativeBuffer<byte>(Q8Quantizer.BytesFor(rows, cols), null, MemoryCategory.Weights, "q8");
        WeightMatrix wq = Q8Quantizer.Quantize(new WeightMatrix(weight.Pointer, dtype, rows, cols), q8.Pointer);
        using var pool = new ComputeThreadPool(threads);
        using var scratch = new NativeBuffer<float>(MatMul.ScratchFloats(threads, cols), null, MemoryCategory.Scratch, "s");
        using var xScratch = new NativeBuffer<byte>(MatMul.Q8ScratchBytes(tokens, cols), null, MemoryCategory.Scratch, "xq");
        var matMul = new MatMul(pool, scratch.Pointer, cols, xScratch.Pointer, tokens);
        var y = new float[tokens * rows];
        fixed (float* px = x, py = y) matMul.Run(px, cols, tokens, wq, null, py, rows);

        int blocks = Q8Block.BlocksFor(cols);
        var xq = new sbyte[blocks * 32];
        var xs = new float[blocks];
        for (int t = 0; t < tokens; t++)
        {
            fixed (float* px = &x[t * cols], pxs = xs)
            fixed (sbyte* pxq = xq)
            {
                Q8Block.QuantizeRow(px, cols, pxq, pxs);
                for (int r = 0; r < rows; r++)
                {
                    float exact = Q8Kernels.DotScalar((sbyte*)wq.Row(r), wq.Scales + r * blocks, pxq, pxs, blocks);
                    Assert.True(Math.Abs(exact - y[t * rows + r]) <= 1e-4 * (1 + Math.Abs(exact)), $"int8 y[{t}, {r}] = {y[t * rows + r]}, expected {exact}");
                    double f = 0, norm = 0;
                    for (int i = 0; i < cols; i++) { f += (double)w[r * cols + i] * x[t * cols + i]; norm += Math.Abs(w[r * cols + i] * x[t * cols + i]); }
                    // Two roundings of at most 1/254 of each block's max: well under 2% of Σ|w·x|.
                    Assert.True(Math.Abs(f - y[t * rows + r]) <= 0.02 * norm + 1e-6, $"float y[{t}, {r}] = {y[t * rows + r]}, expected {f}");
                }
            }
        }
    }

    [Fact]
    public void Dequantized_rows_match_quantized_values()
    {
        var random = new Random(3);
        using var weight = new NativeBuffer<byte>(5 * 40 * 4, null, MemoryCategory.Weights, "w");
        float[] w = MatMulTestData.RandomWeights(random, weight.Span, DType.F32, 5 * 40);
        using var q8 = new NativeBuffer<byte>(Q8Quantizer.BytesFor(5, 40), null, MemoryCategory.Weights, "q8");
        WeightMatrix wq = Q8Quantizer.Quantize(new WeightMatrix(weight.Pointer, DType.F32, 5, 40), q8.Pointer);
        var row = new float[40];
        fixed (float* p = row) WeightConvert.Row(wq, 4, p);
        for (int i = 0; i < 40; i++) Assert.Equal(w[4 * 40 + i], row[i], 0.01);
    }

    private static float[] Random(Random random, int n)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(random.NextDouble() * 2 - 1);
        return v;
    }
}
