using System.Runtime.Intrinsics;
using MemServe.Model;

namespace MemServe.Compute;

/// <summary>
/// Rotary position embedding, rotate-half form (pairs i and i + d/2, as Hugging Face Llama). Frequencies
/// inv_freq[i] = 1 / theta^(2i/d), rescaled by <see cref="RopeScalingKind.Linear"/> (÷ factor) or
/// <see cref="RopeScalingKind.Llama3"/> (HF <c>_compute_llama3_parameters</c>). Angles are computed in double
/// per position into a (token, [cos | sin]) table once per forward step and shared by all layers.
/// Immutable after construction; thread-safe.
/// </summary>
internal sealed unsafe class Rope
{
    private readonly double[] _invFreq; // (headDim / 2)

    /// <summary>Computes the frequencies of <paramref name="config"/>.</summary>
    public Rope(ModelConfig config)
    {
        HeadDim = config.HeadDim;
        _invFreq = InverseFrequencies(config.HeadDim, config.RopeTheta, config.RopeScaling);
    }

    /// <summary>Width of one head; the table row holds HeadDim/2 cosines then HeadDim/2 sines.</summary>
    public int HeadDim { get; }

    /// <summary>inv_freq of HF for <paramref name="headDim"/>, <paramref name="theta"/> and <paramref name="scaling"/>.</summary>
    public static double[] InverseFrequencies(int headDim, double theta, RopeScaling scaling)
    {
        int half = headDim / 2;
        var inv = new double[half];
        for (int i = 0; i < half; i++) inv[i] = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
        if (scaling.Kind == RopeScalingKind.Linear)
        {
            for (int i = 0; i < half; i++) inv[i] /= scaling.Factor;
        }
        else if (scaling.Kind == RopeScalingKind.Llama3)
        {
            double oldContext = scaling.OriginalMaxPositionEmbeddings;
            double lowWavelen = oldContext / scaling.LowFreqFactor;
            double highWavelen = oldContext / scaling.HighFreqFactor;
            for (int i = 0; i < half; i++)
            {
                double wavelen = 2 * Math.PI / inv[i];
                if (wavelen > lowWavelen)
                {
                    inv[i] /= scaling.Factor; // low frequencies: fully scaled
                }
                else if (wavelen >= highWavelen)
                {
                    double smooth = (oldContext / wavelen - scaling.LowFreqFactor) / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                    inv[i] = (1 - smooth) * inv[i] / scaling.Factor + smooth * inv[i];
                }
            }
        }
        return inv;
    }

    /// <summary>Fills <paramref name="table"/> (positions.Length × HeadDim floats) with cos then sin per position.</summary>
    public void FillTable(ReadOnlySpan<int> positions, float* table)
    {
        int half = HeadDim / 2;
        for (int t = 0; t < positions.Length; t++)
        {
            float* row = table + (long)t * HeadDim;
            double p = positions[t];
            for (int i = 0; i < half; i++)
            {
                (double sin, double cos) = Math.SinCos(p * _invFreq[i]);
                row[i] = (float)cos;
                row[half + i] = (float)sin;
            }
        }
    }

    /// <summary>Rotates <paramref name="heads"/> consecutive head vectors at <paramref name="x"/> in place with one table row,
    /// in the registers of <see cref="CpuKernels.Path"/> (the same bits as <see cref="ApplyScalar"/>: a multiply, a multiply
    /// and an add or subtract per element, nothing fused).</summary>
    public static void Apply(float* x, int heads, int headDim, float* cosSin) => Apply(x, heads, headDim, cosSin, CpuKernels.Path);

    /// <summary><see cref="Apply(float*, int, int, float*)"/> on <paramref name="path"/>'s registers.</summary>
    internal static void Apply(float* x, int heads, int headDim, float* cosSin, CpuKernelPath path)
    {
        if (path == CpuKernelPath.Avx512) Apply512(x, heads, headDim, cosSin);
        else if (path == CpuKernelPath.Avx2) Apply256(x, heads, headDim, cosSin);
        else Apply128(x, heads, headDim, cosSin);
    }

    /// <summary>The reference: one pair at a time.</summary>
    internal static void ApplyScalar(float* x, int heads, int headDim, float* cosSin)
    {
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) RotateTail(x + h * headDim, half, cosSin, 0);
    }

    private static void Apply512(float* x, int heads, int headDim, float* cosSin)
    {
        int half = headDim / 2;
        float* cos = cosSin, sin = cosSin + half;
        for (int h = 0; h < heads; h++)
        {
            float* v = x + h * headDim;
            int i = 0;
            for (; i + 16 <= half; i += 16)
            {
                Vector512<float> a = Vector512.Load(v + i), b = Vector512.Load(v + half + i);
                Vector512<float> c = Vector512.Load(cos + i), s = Vector512.Load(sin + i);
                (a * c - b * s).Store(v + i);
                (b * c + a * s).Store(v + half + i);
            }
            RotateTail(v, half, cosSin, i);
        }
    }

    private static void Apply256(float* x, int heads, int headDim, float* cosSin)
    {
        int half = headDim / 2;
        float* cos = cosSin, sin = cosSin + half;
        for (int h = 0; h < heads; h++)
        {
            float* v = x + h * headDim;
            int i = 0;
            for (; i + 8 <= half; i += 8)
            {
                Vector256<float> a = Vector256.Load(v + i), b = Vector256.Load(v + half + i);
                Vector256<float> c = Vector256.Load(cos + i), s = Vector256.Load(sin + i);
                (a * c - b * s).Store(v + i);
                (b * c + a * s).Store(v + half + i);
            }
            RotateTail(v, half, cosSin, i);
        }
    }

    private static void Apply128(float* x, int heads, int headDim, float* cosSin)
    {
        int half = headDim / 2;
        float* cos = cosSin, sin = cosSin + half;
        for (int h = 0; h < heads; h++)
        {
            float* v = x + h * headDim;
            int i = 0;
            for (; i + 4 <= half; i += 4)
            {
                Vector128<float> a = Vector128.Load(v + i), b = Vector128.Load(v + half + i);
                Vector128<float> c = Vector128.Load(cos + i), s = Vector128.Load(sin + i);
                (a * c - b * s).Store(v + i);
                (b * c + a * s).Store(v + half + i);
            }
            RotateTail(v, half, cosSin, i);
        }
    }

    /// <summary>Rotates pairs (i, i + half) of one head vector from <paramref name="from"/> on, one at a time.</summary>
    private static void RotateTail(float* v, int half, float* cosSin, int from)
    {
        float* cos = cosSin, sin = cosSin + half;
        for (int i = from; i < half; i++)
        {
            float a = v[i], b = v[i + half];
            v[i] = a * cos[i] - b * sin[i];
            v[i + half] = b * cos[i] + a * sin[i];
        }
    }
}
