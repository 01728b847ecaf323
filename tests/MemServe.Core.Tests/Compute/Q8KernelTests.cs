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

    /// <summary>Lengths for the per-path quantizer tests: whole blocks, a partial last block, under one block.</summary>
    public static TheoryData<int> QuantizeLengths() => new() { 32, 64, 100, 7, 130, 1000 };

    [KernelPathTheory(CpuKernelPath.Avx512)]
    [MemberData(nameof(QuantizeLengths))]
    public void Avx512_quantizer_matches_the_scalar_reference_bit_for_bit(int n) => CheckQuantizer(CpuKernelPath.Avx512, n);

    [KernelPathTheory(CpuKernelPath.Avx2)]
    [MemberData(nameof(QuantizeLengths))]
    public void Avx2_quantizer_matches_the_scalar_reference_bit_for_bit(int n) => CheckQuantizer(CpuKernelPath.Avx2, n);

    [KernelPathTheory(CpuKernelPath.Portable)]
    [MemberData(nameof(QuantizeLengths))]
    public void Portable_quantizer_matches_the_scalar_reference_bit_for_bit(int n) => CheckQuantizer(CpuKernelPath.Portable, n);

    /// <summary>Random blocks, then blocks whose values land exactly halfway between two steps (a block with max 127
    /// has step 1: ±k.5 must round to even), zeros and a single nonzero value.</summary>
    private static void CheckQuantizer(CpuKernelPath path, int n)
    {
        float[] x = Random(new Random(n + 5), n);
        if (n >= 64) for (int i = 32; i < 64; i++) x[i] = i == 32 ? 127f : (i % 7 - 3) + 0.5f;
        if (n >= 128) Array.Clear(x, 64, 32);
        if (n >= 128) x[100] = -3e-3f;
        int blocks = Q8Block.BlocksFor(n);
        var q1 = new sbyte[blocks * 32];
        var q2 = new sbyte[blocks * 32];
        var s1 = new float[blocks];
        var s2 = new float[blocks];
        var sums1 = new int[blocks];
        var sums2 = new int[blocks];
        fixed (float* px = x, ps1 = s1, ps2 = s2)
        fixed (sbyte* pq1 = q1, pq2 = q2)
        fixed (int* pm1 = sums1)
        {
            Q8Block.QuantizeRow(path, px, n, pq1, ps1);
            for (int b = 0; b < blocks; b++) Q8Block.QuantizeScalar(px + b * 32, Math.Min(32, n - b * 32), pq2 + b * 32, ps2 + b);
            Q8Block.BlockSums(path, pq1, blocks, pm1);
        }
        for (int b = 0; b < blocks; b++) for (int i = 0; i < 32; i++) sums2[b] += q2[b * 32 + i];
        Assert.Equal(q2, q1);
        Assert.Equal(s2, s1);
        Assert.Equal(sums2, sums1);
    }

    /// <summary>(cols, rows, tokens, first row, values), values as <see cref="Q8PanelTests.PathCases"/>.</summary>
    public static TheoryData<int, int, int, int, int> PathCases()
    {
        var data = new TheoryData<int, int, int, int, int>();
        for (int tokens = 1; tokens <= 13; tokens++) data.Add(96, 13, tokens, tokens % 3, 0);
        data.Add(75, 37, 6, 0, 0);   // cols not a multiple of 32
        data.Add(7, 5, 4, 1, 0);     // narrower than one block
        data.Add(256, 130, 1, 0, 0); // GEMV over many rows
        foreach (int values in new[] { 1, 2, 3 })
        {
            data.Add(96, 11, 1, 0, values);
            data.Add(200, 9, 9, 2, values);
        }
        return data;
    }

    [VnniTheory]
    [MemberData(nameof(PathCases))]
    public void Vnni_q8_kernels_match_the_integer_reference(int cols, int rows, int tokens, int first, int values) =>
        CheckKernels(CpuKernelPath.Avx2, true, cols, rows, tokens, first, values);

    [KernelPathTheory(CpuKernelPath.Avx2)]
    [MemberData(nameof(PathCases))]
    public void Avx2_maddubs_q8_kernels_match_the_integer_reference(int cols, int rows, int tokens, int first, int values) =>
        CheckKernels(CpuKernelPath.Avx2, false, cols, rows, tokens, first, values);

    [KernelPathTheory(CpuKernelPath.Portable)]
    [MemberData(nameof(PathCases))]
    public void Portable_q8_kernels_match_the_integer_reference(int cols, int rows, int tokens, int first, int values) =>
        CheckKernels(CpuKernelPath.Portable, false, cols, rows, tokens, first, values);

    /// <summary>Runs one path's <see cref="Q8Kernels"/> on rows [first, rows) and checks them against
    /// <see cref="Q8Kernels.DotScalar"/>, and that no other output was written.</summary>
    private static void CheckKernels(CpuKernelPath path, bool vnni, int cols, int rows, int tokens, int first, int values)
    {
        var random = new Random(cols * 31 + rows * 7 + tokens + values * 1000);
        float[] w = Values(random, rows * cols, values, weights: true);
        float[] x = Values(random, tokens * cols, values, weights: false);
        using var weight = new NativeBuffer<byte>((long)rows * cols * 4, null, MemoryCategory.Weights, "w");
        w.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(weight.Span));
        using var q8 = new NativeBuffer<byte>(Q8Quantizer.BytesFor(rows, cols), null, MemoryCategory.Weights, "q8");
        WeightMatrix wq = Q8Quantizer.Quantize(new WeightMatrix(weight.Pointer, DType.F32, rows, cols), q8.Pointer);
        int blocks = Q8Block.BlocksFor(cols), ys = rows + 2;
        var xq = new sbyte[tokens * blocks * 32];
        var xs = new float[tokens * blocks];
        var y = new float[tokens * ys];
        Array.Fill(y, float.NaN);
        fixed (float* px = x, pxs = xs, py = y)
        fixed (sbyte* pxq = xq)
        {
            for (int t = 0; t < tokens; t++)
            {
                for (int b = 0; b < blocks; b++) Q8Block.QuantizeScalar(px + t * cols + b * 32, Math.Min(32, cols - b * 32), pxq + (t * blocks + b) * 32, pxs + t * blocks + b);
            }
            Q8Kernels.Rows(path, vnni, wq, pxq, pxs, tokens, py, ys, first, rows);

            for (int t = 0; t < tokens; t++)
            {
                for (int r = 0; r < ys; r++)
                {
                    float actual = y[t * ys + r];
                    if (r < first || r >= rows)
                    {
                        Assert.True(float.IsNaN(actual), $"{path}: y[{t}, {r}] outside the rows asked for was written");
                        continue;
                    }
                    float exact = Q8Kernels.DotScalar((sbyte*)wq.Row(r), wq.Scales + r * blocks, pxq + t * blocks * 32, pxs + t * blocks, blocks);
                    Assert.True(Math.Abs(exact - actual) <= 1e-4 * (1 + Math.Abs(exact)), $"{path}{(vnni ? " vnni" : "")}: y[{t}, {r}] = {actual}, expected {exact}");
                }
            }
        }
    }

    /// <summary>Test values: 0 uniform in [-1, 1), 1 random ±1 (int8 ±127), 2 all +1, 3 weights −1 and inputs +1.</summary>
    internal static float[] Values(Random random, int n, int values, bool weights)
    {
        if (values == 0) return Random(random, n);
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = values switch { 1 => random.Next(2) == 0 ? -1f : 1f, 2 => 1f, _ => weights ? -1f : 1f };
        return v;
    }

    private static float[] Random(Random random, int n)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(random.NextDouble() * 2 - 1);
        return v;
    }
}
