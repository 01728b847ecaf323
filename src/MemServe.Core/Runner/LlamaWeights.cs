using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Runner;

/// <summary>
/// Binds and validates the tensors of a layer range against a <see cref="ModelConfig"/>: only the layers
/// of the range, the embedding only when the range starts at 0, the final norm and LM head (or the tied
/// embedding) only when it ends at the last layer. Matrices stay zero-copy in the source, or are replaced by the
/// runner's packed or int8 copies (<see cref="WeightCopies"/>, shared with other runners over the same source); norm and bias
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
    private readonly ITensorSource _source;
    private readonly WeightCopy _copyKind;
    private readonly List<nint> _copied = [];   // originals whose shared copies this instance holds
    private long _copyBytes;                    // their bytes, charged to the budget

    public LlamaWeights(ModelConfig config, ITensorSource source, LayerRange range, MemoryBudget? budget, WeightCopy copy = WeightCopy.None)
    {
        Range = range;
        _budget = budget;
        _source = source;
        _copyKind = copy;
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
                CopyMatrices();
            }
            catch
            {
                Dispose();
                throw;
            }
        }
    }

    /// <summary>Replaces every matrix by its packed or int8 copy, shared with other runners over the same source
    /// (<see cref="WeightCopies"/>; the source's matrices are not read afterwards, and a mapped source's pages are dropped
    /// once copied), and charges the budget with the copies' bytes.</summary>
    private void CopyMatrices()
    {
        var distinct = new Dictionary<nint, WeightMatrix>();
        foreach (LayerWeights l in _layers)
        {
            foreach (WeightMatrix m in (ReadOnlySpan<WeightMatrix>)[l.Q, l.K, l.V, l.O, l.Gate, l.Up, l.Down]) distinct.TryAdd((nint)m.Data, m);
        }
        if (HasEmbedding) distinct.TryAdd((nint)Embedding.Data, Embedding);
        if (HasHead) distinct.TryAdd((nint)LmHead.Data, LmHead);
        long bytes = 0;
        foreach (WeightMatrix m in distinct.Values) bytes += WeightCopies.BytesFor(m, _copyKind);
        _budget?.Charge(MemoryCategory.Weights, bytes, $"{(_copyKind is WeightCopy.Q8 or WeightCopy.PackedQ8 ? "int8" : "packed")} weights of layers {Range} ({distinct.Count} matrices)");
        _copyBytes = bytes;
        var copies = new Dictionary<nint, WeightMatrix>();
        foreach ((nint data, WeightMatrix m) in distinct)
        {
            copies.Add(data, WeightCopies.Acquire(_source, m, _copyKind));
            _copied.Add(data);
        }
        for (int i = 0; i < _layers.Length; i++)
        {
            LayerWeights l = _layers[i];
            _layers[i] = l with
            {
                Q = copies[(nint)l.Q.Data], K = copies[(nint)l.K.Data], V = copies[(nint)l.V.Data], O = copies[(nint)l.O.Data],
                Gate = copies[(nint)l.Gate.Data], Up = copies[(nint)l.Up.Data], Down = copies[(nint)l.Down.Data],
            };
        }
        if (HasEmbedding) Embedding = copies[(nint)Embedding.Data];
        if (HasHead) LmHead = copies[(nint)LmHead.Data];
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
    public long BoundBytes => _chargedBytes + (_vectors?.ByteLength ?? 0) + _copyBytes;

    /// <summary>True when the matrices are the runner's int8 copy.</summary>
    public bool IsQuantized => _copyKind is WeightCopy.Q8 or WeightCopy.PackedQ8;

    /// <summary>True when the matrices are the runner's packed F32/F16/BF16 copy (they need packed-input scratch).</summary>
    public bool IsPacked => _copyKind == WeightCopy.Packed;

    /// <summary>Weights of absolute layer <paramref name="layer"/> (inside <see cref="Range"/>).</summary>
    public ref readonly LayerWeights Layer(int layer) => ref _layers[layer - Range.Start];

    /// <summary>Releases the budget charge and the vector copies. Idempotent.</summary>
    public void Dispose()
    {
        foreach (nint data in _copied) WeightCopies.Release(_source, data, _copyKind);
        _copied.Clear();
        if (_copyBytes > 0)
        {
            _budget?.Release(MemoryCategory.Weights, _copyBytes);
            _copyBytes = 0;
        }
        _vectors?.Dispose();
        if (_chargedBytes > 0)
        {
            _budget?.Release(MemoryCategory.Weights, _chargedBytes);
            _chargedBytes = 0;
        }
    }
}
