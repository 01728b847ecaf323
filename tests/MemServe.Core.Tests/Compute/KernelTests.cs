using MemServe.Compute;
using MemServe.Model;

namespace MemServe.Core.Tests.Compute;

/// <summary>Small kernels against scalar references.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public unsafe class KernelTests
{
    [KernelPathFact(CpuKernelPath.Avx512)] // the tree needs AVX-512; only the AVX-512 kernels call it
    public void Sum16_puts_each_vectors_total_in_its_own_lane()
    {
        var random = new Random(11);
        var v = new System.Runtime.Intrinsics.Vector512<float>[16];
        var expected = new double[16];
        for (int j = 0; j < 16; j++)
        {
            var lanes = new float[16];
            for (int k = 0; k < 16; k++) { lanes[k] = (float)(random.NextDouble() * 2 - 1) * (j + 1); expected[j] += lanes[k]; }
            v[j] = System.Runtime.Intrinsics.Vector512.Create(lanes);
        }
        var sums = VectorReductions.Sum16(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15]);
        for (int j = 0; j < 16; j++) Assert.Equal(expected[j], sums[j], 4);
    }

    [Fact]
    public void RmsNorm_matches_definition()
    {
        float[] x = [1, -2, 3, 0.5f, 4, -1, 2];
        float[] w = [1, 2, 0.5f, 1, 1, 3, -1];
        var y = new float[x.Length];
        fixed (float* px = x, pw = w, py = y) RmsNorm.Row(px, pw, py, x.Length, 1e-5f);

        double ms = 0;
        foreach (float v in x) ms += v * v;
        double scale = 1 / Math.Sqrt(ms / x.Length + 1e-5);
        for (int i = 0; i < x.Length; i++) Assert.Equal(x[i] * scale * w[i], y[i], 5);
    }

    [Fact]
    public void SwiGlu_matches_definition_over_chunk_boundaries()
    {
        var random = new Random(3);
        var gate = new float[300];
        var up = new float[300];
        for (int i = 0; i < gate.Length; i++) { gate[i] = (float)(random.NextDouble() * 8 - 4); up[i] = (float)random.NextDouble(); }
        float[] expected = new float[gate.Length];
        for (int i = 0; i < gate.Length; i++) expected[i] = (float)(gate[i] / (1 + Math.Exp(-gate[i])) * up[i]);

        fixed (float* g = gate, u = up) Activations.SwiGlu(g, u, gate.Length);

        for (int i = 0; i < gate.Length; i++) Assert.Equal(expected[i], gate[i], 4);
    }

    [Fact]
    public void Rope_rotates_pairs_i_and_i_plus_half()
    {
        var config = new ModelConfig
        {
            ModelType = "llama", HiddenSize = 8, IntermediateSize = 8, NumLayers = 1, NumHeads = 1, NumKvHeads = 1,
            HeadDim = 8, VocabSize = 4, MaxPositionEmbeddings = 16, RmsNormEps = 1e-5, RopeTheta = 100,
        };
        var rope = new Rope(config);
        var table = new float[8];
        float[] v = [1, 2, 3, 4, 5, 6, 7, 8];
        fixed (float* t = table, pv = v)
        {
            rope.FillTable([3], t);
            Rope.Apply(pv, 1, 8, t);
        }

        for (int i = 0; i < 4; i++)
        {
            double angle = 3 * Math.Pow(100, -2.0 * i / 8);
            float a = i + 1, b = i + 5;
            Assert.Equal(a * Math.Cos(angle) - b * Math.Sin(angle), v[i], 5);
            Assert.Equal(b * Math.Cos(angle) + a * Math.Sin(angle), v[i + 4], 5);
        }
    }

    [Fact]
    public void Llama3_scaling_keeps_high_scales_low_and_blends_middle_frequencies()
    {
        var scaling = new RopeScaling(RopeScalingKind.Llama3, 8, 1, 4, 32);

        double[] plain = Rope.InverseFrequencies(16, 10000, RopeScaling.None);
        double[] scaled = Rope.InverseFrequencies(16, 10000, scaling);

        Assert.Equal(plain[0], scaled[0]);                 // wavelen 2π < 8: unchanged
        Assert.Equal(plain[7] / 8, scaled[7], 12);         // wavelen ≫ 32: divided by factor
        Assert.InRange(scaled[2], plain[2] / 8, plain[2]); // wavelen ≈ 20: in between
        Assert.NotEqual(plain[2], scaled[2]);
    }
}
