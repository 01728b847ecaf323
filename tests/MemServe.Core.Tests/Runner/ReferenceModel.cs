using MemServe.Model;

namespace MemServe.Core.Tests.Runner;

/// <summary>
/// A slow, obviously-correct Llama-family forward pass: plain loops, double accumulation, the whole
/// sequence recomputed with no KV cache. Weights are read by scalar conversion written independently of
/// the product (BitConverter, (float)(Half)). Frozen: the fast runner is checked against it.
/// </summary>
public sealed class ReferenceModel(ModelConfig c, ITensorSource source)
{
    private readonly Dictionary<string, float[]> _cache = new(StringComparer.Ordinal);

    /// <summary>Logits for every position of <paramref name="tokens"/>, [position][vocab].</summary>
    public float[][] Forward(int[] tokens)
    {
        int n = tokens.Length, h = c.HiddenSize, hd = c.HeadDim;
        float[] embed = W("model.embed_tokens.weight");
        var x = new double[n][];
        for (int i = 0; i < n; i++)
        {
            x[i] = new double[h];
            for (int j = 0; j < h; j++) x[i][j] = embed[tokens[i] * h + j];
        }
        for (int l = 0; l < c.NumLayers; l++) Layer(x, l);
        float[] head = W(c.TieWordEmbeddings ? "model.embed_tokens.weight" : "lm_head.weight");
        var logits = new float[n][];
        for (int i = 0; i < n; i++)
        {
            double[] xn = Norm(x[i], W("model.norm.weight"));
            logits[i] = new float[c.VocabSize];
            for (int v = 0; v < c.VocabSize; v++)
            {
                double s = 0;
                for (int j = 0; j < h; j++) s += head[v * h + j] * xn[j];
                logits[i][v] = (float)s;
            }
        }
        return logits;
    }

    /// <summary>Final hidden states (after the final norm) of every position of <paramref name="tokens"/>, [position][hidden]:
    /// what embeddings pool.</summary>
    public double[][] FinalHiddenStates(int[] tokens)
    {
        int n = tokens.Length, h = c.HiddenSize;
        float[] embed = W("model.embed_tokens.weight");
        var x = new double[n][];
        for (int i = 0; i < n; i++)
        {
            x[i] = new double[h];
            for (int j = 0; j < h; j++) x[i][j] = embed[tokens[i] * h + j];
        }
        for (int l = 0; l < c.NumLayers; l++) Layer(x, l);
        var normed = new double[n][];
        for (int i = 0; i < n; i++) normed[i] = Norm(x[i], W("model.norm.weight"));
        return normed;
    }

    private void Layer(double[][] x, int l)
    {
        int n = x.Length, hd = c.HeadDim, group = c.NumHeads / c.NumKvHeads;
        string p = $"model.layers.{l}.";
        var q = new double[n][];
        var k = new double[n][];
        var v = new double[n][];
        for (int i = 0; i < n; i++)
        {
            double[] xn = Norm(x[i], W(p + "input_layernorm.weight"));
            q[i] = Linear(xn, p + "self_attn.q_proj", c.AttentionBias);
            k[i] = Linear(xn, p + "self_attn.k_proj", c.AttentionBias);
            v[i] = Linear(xn, p + "self_attn.v_proj", c.AttentionBias);
            if (c.QkNorm)
            {
                for (int head = 0; head < c.NumHeads; head++) NormHead(q[i], head * hd, W(p + "self_attn.q_norm.weight"));
                for (int head = 0; head < c.NumKvHeads; head++) NormHead(k[i], head * hd, W(p + "self_attn.k_norm.weight"));
            }
            for (int head = 0; head < c.NumHeads; head++) Rotate(q[i], head * hd, i);
            for (int head = 0; head < c.NumKvHeads; head++) Rotate(k[i], head * hd, i);
        }
        for (int i = 0; i < n; i++)
        {
            var attn = new double[c.NumHeads * hd];
            for (int head = 0; head < c.NumHeads; head++)
            {
                int kvOff = head / group * hd, qOff = head * hd;
                var scores = new double[i + 1];
                double max = double.NegativeInfinity;
                int first = c.SlidingWindow is int w ? Math.Max(0, i - w + 1) : 0; // keys a query may see
                for (int j = first; j <= i; j++)
                {
                    double s = 0;
                    for (int d = 0; d < hd; d++) s += q[i][qOff + d] * k[j][kvOff + d];
                    scores[j] = s / Math.Sqrt(hd);
                    max = Math.Max(max, scores[j]);
                }
                double sum = 0;
                for (int j = first; j <= i; j++) { scores[j] = Math.Exp(scores[j] - max); sum += scores[j]; }
                for (int j = first; j <= i; j++)
                {
                    for (int d = 0; d < hd; d++) attn[qOff + d] += scores[j] / sum * v[j][kvOff + d];
                }
            }
            double[] o = Linear(attn, p + "self_attn.o_proj", false);
            for (int j = 0; j < o.Length; j++) x[i][j] += o[j];
        }
        for (int i = 0; i < n; i++)
        {
            double[] xn = Norm(x[i], W(p + "post_attention_layernorm.weight"));
            double[] gate = Linear(xn, p + "mlp.gate_proj", false);
            double[] up = Linear(xn, p + "mlp.up_proj", false);
            for (int j = 0; j < gate.Length; j++) gate[j] = gate[j] / (1 + Math.Exp(-gate[j])) * up[j];
            double[] down = Linear(gate, p + "mlp.down_proj", false);
            for (int j = 0; j < down.Length; j++) x[i][j] += down[j];
        }
    }

    private double[] Linear(double[] input, string prefix, bool bias)
    {
        float[] w = W(prefix + ".weight");
        int cols = input.Length, rows = w.Length / cols;
        float[]? b = bias ? W(prefix + ".bias") : null;
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double s = b?[r] ?? 0;
            for (int i = 0; i < cols; i++) s += w[r * cols + i] * input[i];
            y[r] = s;
        }
        return y;
    }

    private double[] Norm(double[] input, float[] weight)
    {
        double ms = 0;
        foreach (double e in input) ms += e * e;
        double scale = 1 / Math.Sqrt(ms / input.Length + c.RmsNormEps);
        var y = new double[input.Length];
        for (int i = 0; i < y.Length; i++) y[i] = input[i] * scale * weight[i];
        return y;
    }

    private void NormHead(double[] vec, int offset, float[] weight)
    {
        double[] y = Norm(vec.AsSpan(offset, c.HeadDim).ToArray(), weight);
        y.CopyTo(vec, offset);
    }

    /// <summary>HF rotate-half RoPE at <paramref name="position"/> with the config's frequency scaling.</summary>
    private void Rotate(double[] vec, int offset, int position)
    {
        int hd = c.HeadDim, half = hd / 2;
        for (int i = 0; i < half; i++)
        {
            double angle = position * Frequency(i);
            double a = vec[offset + i], b = vec[offset + half + i];
            vec[offset + i] = a * Math.Cos(angle) - b * Math.Sin(angle);
            vec[offset + half + i] = b * Math.Cos(angle) + a * Math.Sin(angle);
        }
    }

    private double Frequency(int i)
    {
        double f = Math.Pow(c.RopeTheta, -2.0 * i / c.HeadDim);
        RopeScaling s = c.RopeScaling;
        if (s.Kind == RopeScalingKind.Linear) return f / s.Factor;
        if (s.Kind != RopeScalingKind.Llama3) return f;
        double wavelen = 2 * Math.PI / f;
        double lowFreqWavelen = s.OriginalMaxPositionEmbeddings / s.LowFreqFactor;
        double highFreqWavelen = s.OriginalMaxPositionEmbeddings / s.HighFreqFactor;
        if (wavelen < highFreqWavelen) return f;
        if (wavelen > lowFreqWavelen) return f / s.Factor;
        double smooth = (s.OriginalMaxPositionEmbeddings / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        return (1 - smooth) * f / s.Factor + smooth * f;
    }

    /// <summary>A tensor as floats, converted element by element from its stored bytes.</summary>
    private float[] W(string name)
    {
        if (_cache.TryGetValue(name, out float[]? cached)) return cached;
        if (!source.TryGetTensor(name, out TensorRef t)) throw new InvalidOperationException($"reference model: no tensor {name}");
        byte[] bytes = t.Bytes.ToArray();
        var values = new float[t.ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = t.DType switch
            {
                DType.F32 => BitConverter.ToSingle(bytes, i * 4),
                DType.F16 => (float)BitConverter.ToHalf(bytes, i * 2),
                _ => BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(bytes, i * 2) << 16),
            };
        }
        _cache[name] = values;
        return values;
    }
}
