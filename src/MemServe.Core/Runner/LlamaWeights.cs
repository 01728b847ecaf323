using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Runner;

/// <summary>
/// Binds and validates the tensors of a layer range against a <see cref="ModelConfig"/>: only the layers
/// of the range, the embedding only when the range starts at 0, the final norm and LM head (or the tied
/// embedding) only when it ends at the last layer. Matrices stay zero-copy in the source, or are replaced by the
/// runner's one packed or int8 copy (<see cref="WeightCopyStore"/>); norm and bias
/// vectors are widened into one small FP32 buffer. Charges the budget (Weights) with the bound bytes for
/// its lifetime. Missing tensors throw <see cref="MissingTensorException"/>, wrong shapes
/// <see cref="TensorShapeException"/>, both naming the tensor. Read-only after construction.
/// </summary>
internal sealed unsafe class LlamaWeights : IDisposable
{
    private readonly LayerWeights[] _layers;  // (range.Count)
    private readonly NativeBuffer<float> _vectors;
    private readonly MemoryBudget? _budget;
    private long _chargedBytes;
    private WeightCopyStore? _copy;

    public LlamaWeights(ModelConfig config, ITensorSource source, LayerRange range, MemoryBudget? budget, WeightCopy copy = WeightCopy.None)
    {
        Range = range;
        _budget = budget;
        var binder = new TensorBinder(config, source);
        bool head = range.End == config.NumLayers;
        TensorRef? embedding = range.Start == 0 ? binder.Matrix(LlamaTensorNames.Embedding, config.VocabSize, config.HiddenSize) : null;
        TensorRef? lmHead = null, finalNorm = null;
        if (head)
        {
            lmHead = config.TieWordEmbeddings
                ? embedding ?? binder.Matrix(LlamaTensorNames.Embedding, config.VocabSize, config.HiddenSize)
                : binder.Matrix(LlamaTensorNames.LmHead, config.VocabSize, config.HiddenSize);
            finalNorm = binder.Vector(LlamaTensorNames.FinalNorm, config.HiddenSize);
        }
        var layerRefs = new LayerTensors[range.Count];
        for (int i = 0; i < range.Count; i++) layerRefs[i] = LayerTensors.Bind(binder, config, range.Start + i);

        long mapped = copy == WeightCopy.None ? binder.MatrixBytes : 0;
        if (mapped > 0) budget?.Charge(MemoryCategory.Weights, mapped, $"weights of layers {range} ({binder.MatrixCount} matrices)");
        _chargedBytes = mapped;
        try
        {
            _vectors = new NativeBuffer<float>(binder.VectorFloats, budget, MemoryCategory.Weights, $"norm and bias vectors of layers {range}");
        }
        catch
        {
            Dispose();
            throw;
        }

        float* next = _vectors.Pointer;
        _layers = new LayerWeights[range.Count];
        for (int i = 0; i < range.Count; i++) _layers[i] = layerRefs[i].Load(ref next);
        if (embedding is { } e) Embedding = WeightMatrix.From(e);
        if (lmHead is { } h)
        {
            LmHead = WeightMatrix.From(h);
            FinalNorm = LayerTensors.Widen(finalNorm, ref next);
        }
        HasEmbedding = embedding.HasValue;
        HasHead = head;
        if (copy != WeightCopy.None)
        {
            try
            {
                CopyMatrices(copy, budget, source is IMappedTensorSource);
            }
            catch
            {
                Dispose();
                throw;
            }
        }
    }

    /// <summary>Replaces every matrix by its packed or int8 copy (the source's matrices are not read afterwards). With
    /// <paramref name="releaseMapped"/> each original's mapped pages are dropped once copied, so the copy replaces them in
    /// memory (peak: the copy plus one matrix) instead of adding to them.</summary>
    private void CopyMatrices(WeightCopy copy, MemoryBudget? budget, bool releaseMapped)
    {
        var all = new List<WeightMatrix>();
        foreach (LayerWeights l in _layers) all.AddRange([l.Q, l.K, l.V, l.O, l.Gate, l.Up, l.Down]);
        if (HasEmbedding) all.Add(Embedding);
        if (HasHead) all.Add(LmHead);
        WeightCopyStore store = _copy = new WeightCopyStore(all, copy, budget, $"layers {Range}");
        WeightMatrix Take(in WeightMatrix source)
        {
            WeightMatrix result = store.Copy(source);
            if (releaseMapped) MappedPages.Release(source.Data, source.DataBytes);
            return result;
        }
        for (int i = 0; i < _layers.Length; i++)
        {
            LayerWeights l = _layers[i];
            _layers[i] = l with
            {
                Q = Take(l.Q), K = Take(l.K), V = Take(l.V), O = Take(l.O),
                Gate = Take(l.Gate), Up = Take(l.Up), Down = Take(l.Down),
            };
        }
        if (HasEmbedding) Embedding = Take(Embedding);
        if (HasHead) LmHead = Take(LmHead);
    }

    /// <summary>The bound layer range.</summary>
    public LayerRange Range { get; }

    /// <summary>True when the embedding is bound (range starts at 0).</summary>
    public bool HasEmbedding { get; }

    /// <summary>True when the final norm and LM head are bound (range ends at the last layer).</summary>
    public bool HasHead { get; }

    /// <summary>[vocab, hidden]; valid when <see cref="HasEmbedding"/>.</summary>
    public WeightMatrix Embedding { get; private set; }

    /// <summary>[vocab, hidden] (the embedding when tied); valid when <see cref="HasHead"/>.</summary>
    public WeightMatrix LmHead { get; private set; }

    /// <summary>(hidden) FP32; valid when <see cref="HasHead"/>.</summary>
    public float* FinalNorm { get; }

    /// <summary>Bytes charged to the budget: zero-copy matrices or the runner's copy, plus the FP32 vector copies.</summary>
    public long BoundBytes => _chargedBytes + (_vectors?.ByteLength ?? 0) + (_copy?.ByteLength ?? 0);

    /// <summary>True when the matrices are the runner's int8 copy.</summary>
    public bool IsQuantized => _copy != null && Layer(Range.Start).Q.Format == WeightFormat.Q8;

    /// <summary>True when the matrices are the runner's packed F32/F16/BF16 copy (they need packed-input scratch).</summary>
    public bool IsPacked => _copy != null && Layer(Range.Start).Q is { Packed: true, Format: not WeightFormat.Q8 };

    /// <summary>Weights of absolute layer <paramref name="layer"/> (inside <see cref="Range"/>).</summary>
    public ref readonly LayerWeights Layer(int layer) => ref _layers[layer - Range.Start];

    /// <summary>Releases the budget charge and the vector copies. Idempotent.</summary>
    public void Dispose()
    {
        _copy?.Dispose();
        _copy = null;
        _vectors?.Dispose();
        if (_chargedBytes > 0)
        {
            _budget?.Release(MemoryCategory.Weights, _chargedBytes);
            _chargedBytes = 0;
        }
    }
}
