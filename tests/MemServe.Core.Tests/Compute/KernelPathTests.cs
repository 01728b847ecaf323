using MemServe.Compute;

namespace MemServe.Core.Tests.Compute;

/// <summary>The head-vector primitives, RoPE and the half-precision finiteness scan on each kernel path, against scalar
/// references, over lengths that leave every tail (no full vector, one element past a vector, several vectors).</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public unsafe class KernelPathTests
{
    private static readonly int[] Lengths = [1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 24, 33, 64, 100, 128];

    [KernelPathFact(CpuKernelPath.Avx512)]
    public void Avx512_head_vectors_match_the_scalar_sums() => CheckHeadVectors(CpuKernelPath.Avx512);

    [KernelPathFact(CpuKernelPath.Avx2)]
    public void Avx2_head_vectors_match_the_scalar_sums() => CheckHeadVectors(CpuKernelPath.Avx2);

    [KernelPathFact(CpuKernelPath.Portable)]
    public void Portable_head_vectors_match_the_scalar_sums() => CheckHeadVectors(CpuKernelPath.Portable);

    [KernelPathFact(CpuKernelPath.Avx512)]
    public void Avx512_finiteness_scan_finds_every_inf_and_nan() => CheckAllFinite(CpuKernelPath.Avx512);

    [KernelPathFact(CpuKernelPath.Avx2)]
    public void Avx2_finiteness_scan_finds_every_inf_and_nan() => CheckAllFinite(CpuKernelPath.Avx2);

    [KernelPathFact(CpuKernelPath.Portable)]
    public void Portable_finiteness_scan_finds_every_inf_and_nan() => CheckAllFinite(CpuKernelPath.Portable);

    [KernelPathFact(CpuKernelPath.Avx512)]
    public void Avx512_rope_rotates_like_the_scalar_reference() => CheckRope(CpuKernelPath.Avx512);

    [KernelPathFact(CpuKernelPath.Avx2)]
    public void Avx2_rope_rotates_like_the_scalar_reference() => CheckRope(CpuKernelPath.Avx2);

    [KernelPathFact(CpuKernelPath.Portable)]
    public void Portable_rope_rotates_like_the_scalar_reference() => CheckRope(CpuKernelPath.Portable);

    // Bit for bit: the vector forms multiply and add as the scalar one does (nothing fused).
    private static void CheckRope(CpuKernelPath path)
    {
        var random = new Random(9);
        foreach (int headDim in new[] { 6, 8, 10, 16, 40, 64, 72, 128 })
        {
            const int Heads = 3;
            float[] table = MatMulTestData.Random(random, headDim), x = MatMulTestData.Random(random, Heads * headDim);
            float[] expected = (float[])x.Clone();
            fixed (float* pt = table, px = x, pe = expected)
            {
                Rope.ApplyScalar(pe, Heads, headDim, pt);
                Rope.Apply(px, Heads, headDim, pt, path);
            }
            Assert.Equal(expected, x);
        }
    }

    private static void CheckHeadVectors(CpuKernelPath path)
    {
        var random = new Random(5);
        foreach (int n in Lengths)
        {
            float[] a = MatMulTestData.Random(random, n), b = MatMulTestData.Random(random, n), y = MatMulTestData.Random(random, n);
            float alpha = (float)(random.NextDouble() * 2 - 1);
            double dot = 0;
            for (int i = 0; i < n; i++) dot += (double)a[i] * b[i];
            var expected = new double[n];
            for (int i = 0; i < n; i++) expected[i] = y[i] + (double)alpha * a[i];

            float actual;
            fixed (float* pa = a, pb = b, py = y)
            {
                actual = HeadVectors.Dot(pa, pb, n, path);
                HeadVectors.MultiplyAdd(py, alpha, pa, n, path);
            }

            Assert.True(Math.Abs(dot - actual) <= 1e-5 * n, $"dot of {n}: {actual}, expected {dot}");
            for (int i = 0; i < n; i++) Assert.True(Math.Abs(expected[i] - y[i]) <= 1e-6, $"axpy of {n} at {i}: {y[i]}, expected {expected[i]}");
        }
    }

    private static void CheckAllFinite(CpuKernelPath path)
    {
        ushort[] specials = [0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFFFF]; // +inf, -inf, NaNs
        foreach (int n in new[] { 1, 7, 15, 16, 17, 31, 32, 33, 64, 65, 100 })
        {
            var halves = new ushort[n];
            var random = new Random(n);
            for (int i = 0; i < n; i++) halves[i] = (ushort)(random.Next(0x7C00) | (random.Next(2) << 15)); // finite
            fixed (ushort* p = halves) Assert.True(HalfBits.AllFinite(p, n, path), $"all finite, length {n}");
            for (int at = 0; at < n; at++)
            {
                ushort kept = halves[at];
                halves[at] = specials[at % specials.Length];
                fixed (ushort* p = halves) Assert.False(HalfBits.AllFinite(p, n, path), $"length {n}, special at {at}");
                halves[at] = kept;
            }
        }
    }
}
