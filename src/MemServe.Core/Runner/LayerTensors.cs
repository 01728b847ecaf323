using MemServe.Compute;
using MemServe.Model;

namespace MemServe.Runner;

/// <summary>The validated tensor references of one decoder layer, before vectors are widened to FP32.</summary>
internal readonly unsafe struct LayerTensors
{
    private TensorRef Q { get; init; }
    private TensorRef K { get; init; }
    private TensorRef V { get; init; }
    private TensorRef O { get; init; }
    private TensorRef Gate { get; init; }
    private TensorRef Up { get; init; }
    private TensorRef Down { get; init; }
    private TensorRef? QBias { get; init; }
    private TensorRef? KBias { get; init; }
    private TensorRef? VBias { get; init; }
    private TensorRef? QNorm { get; init; }
    private TensorRef? KNorm { get; init; }
    private TensorRef InputNorm { get; init; }
    private TensorRef PostNorm { get; init; }

    /// <summary>Looks up and shape-checks every tensor of <paramref name="layer"/>.</summary>
    public static LayerTensors Bind(TensorBinder b, ModelConfig c, int layer)
    {
        int h = c.HiddenSize, q = c.QueryDim, kv = c.KvDim, f = c.IntermediateSize;
        return new LayerTensors
        {
            InputNorm = b.Vector(LlamaTensorNames.InputNorm(layer), h),
            Q = b.Matrix(LlamaTensorNames.AttentionWeight(layer, 'q'), q, h),
            K = b.Matrix(LlamaTensorNames.AttentionWeight(layer, 'k'), kv, h),
            V = b.Matrix(LlamaTensorNames.AttentionWeight(layer, 'v'), kv, h),
            QBias = c.AttentionBias ? b.Vector(LlamaTensorNames.AttentionBias(layer, 'q'), q) : null,
            KBias = c.AttentionBias ? b.Vector(LlamaTensorNames.AttentionBias(layer, 'k'), kv) : null,
            VBias = c.AttentionBias ? b.Vector(LlamaTensorNames.AttentionBias(layer, 'v'), kv) : null,
            QNorm = c.QkNorm ? b.Vector(LlamaTensorNames.QkNorm(layer, 'q'), c.HeadDim) : null,
            KNorm = c.QkNorm ? b.Vector(LlamaTensorNames.QkNorm(layer, 'k'), c.HeadDim) : null,
            O = b.Matrix(LlamaTensorNames.AttentionWeight(layer, 'o'), h, q),
            PostNorm = b.Vector(LlamaTensorNames.PostAttentionNorm(layer), h),
            Gate = b.Matrix(LlamaTensorNames.Mlp(layer, "gate"), f, h),
            Up = b.Matrix(LlamaTensorNames.Mlp(layer, "up"), f, h),
            Down = b.Matrix(LlamaTensorNames.Mlp(layer, "down"), h, f),
        };
    }

    /// <summary>Builds the runtime view, widening vectors into the buffer at <paramref name="next"/> (advanced).</summary>
    public LayerWeights Load(ref float* next) => new()
    {
        Q = WeightMatrix.From(Q),
        K = WeightMatrix.From(K),
        V = WeightMatrix.From(V),
        O = WeightMatrix.From(O),
        Gate = WeightMatrix.From(Gate),
        Up = WeightMatrix.From(Up),
        Down = WeightMatrix.From(Down),
        QBias = Widen(QBias, ref next),
        KBias = Widen(KBias, ref next),
        VBias = Widen(VBias, ref next),
        QNorm = Widen(QNorm, ref next),
        KNorm = Widen(KNorm, ref next),
        InputNorm = Widen(InputNorm, ref next),
        PostAttentionNorm = Widen(PostNorm, ref next),
    };

    /// <summary>Widens a 1-D tensor to FP32 at <paramref name="next"/> and advances it (64-byte aligned); null stays null.</summary>
    public static float* Widen(TensorRef? tensor, ref float* next)
    {
        if (tensor is not { } t) return null;
        int n = checked((int)t.ElementCount);
        float* dst = next;
        WeightConvert.ToSingle((byte*)t.Pointer, t.DType, n, dst);
        next += (n + 15) & ~15;
        return dst;
    }
}
