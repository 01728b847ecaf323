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

    /// <summary>Rotates <paramref name="heads"/> consecutive head vectors at <paramref name="x"/> in place with one table row.</summary>
    public static void Apply(float* x, int heads, int headDim, float* cosSin)
    {
        int half = headDim / 2;
        float* cos = cosSin, sin = cosSin + half;
        for (int h = 0; h < heads; h++)
        {
            float* v = x + h * headDim;
            for (int i = 0; i < half; i++)
            {
                float a = v[i], b = v[i + half];
                v[i] = a * cos[i] - b * sin[i];
                v[i + half] = b * cos[i] + a * sin[i];
            }
        }
    }
}
