using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Runner;

/// <summary>
/// Random tiny Llama-family checkpoints for tests: a <see cref="ModelConfig"/> plus an
/// <see cref="InMemoryTensorSource"/> with every tensor under its Hugging Face name. Sizes are odd on
/// purpose (ffn 88, vocab 150, qwen3 head_dim 24) so kernels hit their 8-wide and scalar tails.
/// Deterministic for a given kind, dtype and seed. The caller disposes the source.
/// </summary>
public static class TinyModels
{
    /// <summary>Architectures covered: llama (GQA, untied), llama-tied, llama-rope-llama3, llama-rope-linear, mistral (sliding window of 5), qwen2, qwen3.</summary>
    public static readonly string[] Kinds =
        ["llama", "llama-tied", "llama-rope-llama3", "llama-rope-linear", "mistral", "qwen2", "qwen3"];

    /// <summary>Every kind in every dtype, for xunit theories.</summary>
    public static TheoryData<string, DType> AllCases()
    {
        var data = new TheoryData<string, DType>();
        foreach (string kind in Kinds)
        {
            foreach (DType dtype in new[] { DType.F32, DType.F16, DType.BF16 }) data.Add(kind, dtype);
        }
        return data;
    }

    /// <summary>The configuration of <paramref name="kind"/>.</summary>
    public static ModelConfig Config(string kind, int layers = 3)
    {
        var config = new ModelConfig
        {
            ModelType = "llama", HiddenSize = 64, IntermediateSize = 88, NumLayers = layers,
            NumHeads = 4, NumKvHeads = 2, HeadDim = 16, VocabSize = 150, MaxPositionEmbeddings = 256,
            RmsNormEps = 1e-5, RopeTheta = 10000,
        };
        return kind switch
        {
            "llama" => config,
            "llama-tied" => config with { TieWordEmbeddings = true },
            "llama-rope-llama3" => config with
            {
                RopeTheta = 500000,
                RopeScaling = new RopeScaling(RopeScalingKind.Llama3, 8, 1, 4, 64), // frequencies fall in all three bands
            },
            "llama-rope-linear" => config with { RopeScaling = new RopeScaling(RopeScalingKind.Linear, 4) },
            "mistral" => config with { ModelType = "mistral", NumKvHeads = 1, RopeTheta = 1e6, SlidingWindow = 5 },
            "qwen2" => config with { ModelType = "qwen2", AttentionBias = true, RmsNormEps = 1e-6, TieWordEmbeddings = true },
            "qwen3" => config with { ModelType = "qwen3", QkNorm = true, HeadDim = 24, RmsNormEps = 1e-6 },
            _ => throw new ArgumentException($"unknown tiny model kind '{kind}'", nameof(kind)),
        };
    }

    /// <summary>Creates <paramref name="kind"/> with random weights stored as <paramref name="dtype"/>.
    /// <paramref name="skip"/> leaves out tensors whose name it accepts (for missing-tensor tests).</summary>
    public static (ModelConfig Config, InMemoryTensorSource Weights) Create(string kind, DType dtype, int seed = 1,
        int layers = 3, Func<string, bool>? skip = null)
    {
        ModelConfig c = Config(kind, layers);
        var source = new InMemoryTensorSource();
        var random = new Random(seed);
        int h = c.HiddenSize, q = c.QueryDim, kv = c.KvDim, f = c.IntermediateSize;
        void Matrix(string name, int rows, int cols, double scale)
        {
            if (skip?.Invoke(name) == true) return;
            Fill(source.Add(name, dtype, rows, cols), dtype, random, rows * cols, 0, scale);
        }
        void Vector(string name, int n, double center, double spread)
        {
            if (skip?.Invoke(name) == true) return;
            Fill(source.Add(name, dtype, n), dtype, random, n, center, spread);
        }

        Matrix(LlamaTensorNames.Embedding, c.VocabSize, h, 1.0);
        for (int l = 0; l < c.NumLayers; l++)
        {
            Vector(LlamaTensorNames.InputNorm(l), h, 1, 0.2);
            Matrix(LlamaTensorNames.AttentionWeight(l, 'q'), q, h, 1.7 / Math.Sqrt(h));
            Matrix(LlamaTensorNames.AttentionWeight(l, 'k'), kv, h, 1.7 / Math.Sqrt(h));
            Matrix(LlamaTensorNames.AttentionWeight(l, 'v'), kv, h, 1.7 / Math.Sqrt(h));
            if (c.AttentionBias)
            {
                Vector(LlamaTensorNames.AttentionBias(l, 'q'), q, 0, 0.3);
                Vector(LlamaTensorNames.AttentionBias(l, 'k'), kv, 0, 0.3);
                Vector(LlamaTensorNames.AttentionBias(l, 'v'), kv, 0, 0.3);
            }
            if (c.QkNorm)
            {
                Vector(LlamaTensorNames.QkNorm(l, 'q'), c.HeadDim, 1, 0.3);
                Vector(LlamaTensorNames.QkNorm(l, 'k'), c.HeadDim, 1, 0.3);
            }
            Matrix(LlamaTensorNames.AttentionWeight(l, 'o'), h, q, 1.0 / Math.Sqrt(q));
            Vector(LlamaTensorNames.PostAttentionNorm(l), h, 1, 0.2);
            Matrix(LlamaTensorNames.Mlp(l, "gate"), f, h, 1.7 / Math.Sqrt(h));
            Matrix(LlamaTensorNames.Mlp(l, "up"), f, h, 1.7 / Math.Sqrt(h));
            Matrix(LlamaTensorNames.Mlp(l, "down"), h, f, 1.0 / Math.Sqrt(f));
        }
        Vector(LlamaTensorNames.FinalNorm, h, 1, 0.2);
        if (!c.TieWordEmbeddings) Matrix(LlamaTensorNames.LmHead, c.VocabSize, h, 1.7 / Math.Sqrt(h));
        return (c, source);
    }

    /// <summary>Random token ids in [0, vocab).</summary>
    public static int[] Tokens(int count, int vocab, int seed)
    {
        var random = new Random(seed);
        var ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = random.Next(vocab);
        return ids;
    }

    /// <summary>Writes <paramref name="count"/> values uniform in center ± spread as <paramref name="dtype"/>.</summary>
    private static void Fill(Span<byte> bytes, DType dtype, Random random, int count, double center, double spread)
    {
        for (int i = 0; i < count; i++)
        {
            float v = (float)(center + (random.NextDouble() * 2 - 1) * spread);
            switch (dtype)
            {
                case DType.F32:
                    BitConverter.TryWriteBytes(bytes.Slice(i * 4, 4), v);
                    break;
                case DType.F16:
                    BitConverter.TryWriteBytes(bytes.Slice(i * 2, 2), (Half)v);
                    break;
                default:
                    BitConverter.TryWriteBytes(bytes.Slice(i * 2, 2), (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16));
                    break;
            }
        }
    }
}
