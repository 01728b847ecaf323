using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Runner;

/// <summary>
/// Runs Llama-family models (llama, mistral, qwen2 with q/k/v biases, qwen3 with q/k norm) on the CPU with
/// SIMD kernels, for a range of layers over a paged KV cache, with the semantics of Hugging Face's
/// <c>*ForCausalLM</c>.
/// <para><b>Weights</b> stay in their stored dtype (F32, F16 or BF16) and are widened to FP32 in registers inside the
/// kernels: decode is memory-bound, so half the weight bytes is half the time. With
/// <see cref="CpuRunnerOptions.PackWeights"/> (the default) the runner repacks each matrix at load into its own copy in
/// 32-row panels stored column by column, which its outer-product kernels stream fastest; the copy replaces the
/// source's matrices (a mapped checkpoint's pages are dropped once copied), so there is one copy of the weights.
/// Without it the matrices are borrowed zero-copy from the <see cref="ITensorSource"/> (which must outlive the runner).
/// Only norm and bias vectors are always copied (as FP32). Activations and logits are FP32; the KV cache FP32 or BF16.
/// With <see cref="CpuRunnerOptions.QuantizeWeightsToQ8"/> the matrices are instead quantized once at load into the
/// runner's own int8 copy (the only copy it reads), and matmuls run int8 × int8.</para>
/// <para><b>Memory</b>: the bound tensors' bytes are charged to <see cref="CpuRunnerOptions.Budget"/> as
/// Weights at construction, scratch (activations for MaxBatchTokens, logits for MaxBatchSequences × vocab,
/// attention and F16 workspaces) as Scratch; both are released on <see cref="Dispose"/>.</para>
/// <para><b>Threads</b>: owns a <see cref="ComputeThreadPool"/>. Not thread-safe: one caller at a time.</para>
/// </summary>
public sealed unsafe class CpuModelRunner : IModelRunner
{
    private readonly LlamaWeights _weights;
    private readonly RunnerScratch _s;
    private readonly ComputeThreadPool _pool;
    private readonly MatMul _matMul;
    private readonly DecoderLayer _layer;
    private readonly Rope _rope;
    private readonly NativeFloatMemory _hiddenMemory;
    private readonly ForwardOutput? _logitsOutput;
    private bool _disposed;

    /// <summary>Binds the weights of <paramref name="options"/>' layer range from <paramref name="weights"/> and
    /// allocates scratch. Throws <see cref="MissingTensorException"/>, <see cref="TensorShapeException"/> or
    /// <see cref="MemoryBudgetExceededException"/> naming the tensor or allocation at fault.</summary>
    public CpuModelRunner(ModelConfig config, ITensorSource weights, CpuRunnerOptions options)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(options);
        ValidateOptions(config, options);
        CpuKernels.ThrowIfInvalid();
        Config = config;
        Layers = options.Layers ?? LayerRange.All(config.NumLayers);
        MaxBatchTokens = options.MaxBatchTokens;
        MaxBatchSequences = options.MaxBatchSequences;
        KvLayout = new KvCacheLayout(Layers.Start, Layers.Count, config.NumKvHeads, config.HeadDim, options.BlockTokens, options.KvCacheDType);
        WeightCopy copy = options.QuantizeWeightsToQ8
            ? (options.PackWeights ? WeightCopy.PackedQ8 : WeightCopy.Q8)
            : options.PackWeights ? WeightCopy.Packed : WeightCopy.None;
        _weights = new LlamaWeights(config, weights, Layers, options.Budget, copy);
        try
        {
            _pool = new ComputeThreadPool(options.Threads);
            _s = new RunnerScratch(config, MaxBatchTokens, MaxBatchSequences, _pool.ThreadCount, options.BlockTokens, _weights.HasHead,
                _weights.IsQuantized, _weights.IsPacked, options.Budget);
        }
        catch
        {
            _pool?.Dispose();
            _weights.Dispose();
            throw;
        }
        _matMul = new MatMul(_pool, _s.F16Tiles, _s.F16MaxCols, _s.Q8Input, _s.Q8Tokens, _s.PaddedInput, MaxBatchTokens, _s.PackedInput, _s.PackedTokens);
        _layer = new DecoderLayer(config, _s, _pool, _matMul);
        _rope = new Rope(config);
        _hiddenMemory = new NativeFloatMemory(_s.X, MaxBatchTokens * config.HiddenSize);
        if (_weights.HasHead)
        {
            _logitsOutput = new ForwardOutput(null, new NativeFloatMemory(_s.Logits, MaxBatchSequences * config.VocabSize).Memory, config.VocabSize)
            {
                PooledStates = new NativeFloatMemory(_s.Pooled, MaxBatchSequences * config.HiddenSize).Memory,
                PooledWidth = config.HiddenSize,
            };
        }
    }

    /// <inheritdoc />
    public ModelConfig Config { get; }

    /// <inheritdoc />
    public LayerRange Layers { get; }

    /// <inheritdoc />
    public int MaxBatchTokens { get; }

    /// <inheritdoc />
    public int MaxBatchSequences { get; }

    /// <inheritdoc />
    public KvCacheLayout KvLayout { get; }

    /// <summary>Compute threads in use, the caller included.</summary>
    public int ThreadCount => _pool.ThreadCount;

    /// <summary>The memory one decode step streams: every layer matrix of the range and the LM head (the mapped matrices,
    /// or the int8 copy and its scales), as (start, bytes) regions. For benchmarks that measure the read bandwidth of
    /// exactly those pages.</summary>
    internal List<(nint Start, long Bytes)> DecodeReadRegions()
    {
        var regions = new List<(nint Start, long Bytes)>();
        void Add(in WeightMatrix m)
        {
            regions.Add(((nint)m.Data, m.DataBytes));
            if (m.Scales != null) regions.Add(((nint)m.Scales, (long)m.Rows * m.BlocksPerRow * sizeof(float)));
        }
        for (int l = Layers.Start; l < Layers.End; l++)
        {
            ref readonly LayerWeights w = ref _weights.Layer(l);
            Add(w.Q); Add(w.K); Add(w.V); Add(w.O); Add(w.Gate); Add(w.Up); Add(w.Down);
        }
        if (_weights.HasHead) Add(_weights.LmHead);
        return regions;
    }

    /// <summary>Bytes of weights bound (and charged): zero-copy matrices (or their int8 copy) plus FP32 norm/bias vectors.</summary>
    public long WeightBytes => _weights.BoundBytes;

    /// <inheritdoc />
    public ForwardOutput Forward(ForwardBatch batch, LayerRange layers, HiddenStates? hiddenIn = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ForwardValidator.Validate(this, batch, layers, hiddenIn);
        int tokens = batch.TokenCount, hidden = Config.HiddenSize;
        if (layers.Start == 0) Embed(batch.TokenIds);
        else hiddenIn!.Data.Span[..(tokens * hidden)].CopyTo(new Span<float>(_s.X, tokens * hidden));
        _rope.FillTable(batch.Positions, _s.RopeTable);
        FlattenBlockTables(batch);

        fixed (int* positions = batch.Positions, tokenBlocks = _s.TokenBlocks, blockIds = _s.BlockIds)
        {
            var attention = new AttentionArgs
            {
                Q = _s.Q, Out = _s.Attention, Tokens = tokens,
                NumHeads = Config.NumHeads, NumKvHeads = Config.NumKvHeads, HeadDim = Config.HeadDim,
                Scale = 1f / MathF.Sqrt(Config.HeadDim),
                Positions = positions, TokenBlocks = tokenBlocks, BlockIds = blockIds,
                Arena = batch.KvCache.BlockCount > 0 ? batch.KvCache.Block(0) : null,
                BlockFloats = KvLayout.BlockFloats, HeadStride = KvLayout.BlockTokens * Config.HeadDim,
                BlockTokens = KvLayout.BlockTokens, KvElementBytes = KvLayout.ElementBytes,
                Window = Config.SlidingWindow ?? 0,
                Workspace = _s.AttentionWorkspace, WorkspaceFloats = _s.AttentionWorkspaceFloats,
            };
            for (int l = layers.Start; l < layers.End; l++)
            {
                _layer.Run(_weights.Layer(l), l, tokens, KvLayout, ref attention);
            }
        }

        if (layers.End == Config.NumLayers)
        {
            ComputePooled(batch);
            ComputeLogits(batch);
            return _logitsOutput!;
        }
        var hiddenOut = new HiddenStates(_hiddenMemory.Memory[..(tokens * hidden)], tokens, hidden);
        return new ForwardOutput(hiddenOut, Memory<float>.Empty, Config.VocabSize);
    }

    private void Embed(ReadOnlySpan<int> tokenIds)
    {
        for (int t = 0; t < tokenIds.Length; t++)
        {
            WeightConvert.Row(_weights.Embedding, tokenIds[t], _s.X + (long)t * Config.HiddenSize);
        }
    }

    private void FlattenBlockTables(ForwardBatch batch)
    {
        int total = 0;
        foreach (ForwardSequence seq in batch.Sequences) total += KvLayout.BlocksFor(seq.TotalTokens);
        _s.EnsureBlockIds(total);
        int next = 0;
        foreach (ForwardSequence seq in batch.Sequences)
        {
            int count = KvLayout.BlocksFor(seq.TotalTokens);
            seq.BlockTable.AsSpan(0, count).CopyTo(_s.BlockIds.AsSpan(next));
            _s.TokenBlocks.AsSpan(seq.TokenStart, seq.NewTokens).Fill(next);
            next += count;
        }
    }

    /// <summary>Final norm of the rows pooled sequences need, into their <see cref="RunnerScratch.Pooled"/> row: the last
    /// new token's, or the sum over all new tokens (normed one by one through <see cref="RunnerScratch.Xn"/>, which the
    /// layers no longer need).</summary>
    private void ComputePooled(ForwardBatch batch)
    {
        int hidden = Config.HiddenSize;
        float eps = (float)Config.RmsNormEps;
        ReadOnlySpan<ForwardSequence> sequences = batch.Sequences;
        for (int i = 0; i < sequences.Length; i++)
        {
            ForwardSequence seq = sequences[i];
            if (seq.Pooling == HiddenPooling.None) continue;
            float* pooled = _s.Pooled + (long)i * hidden;
            if (seq.Pooling == HiddenPooling.LastToken)
            {
                RmsNorm.Row(_s.X + (long)(seq.TokenStart + seq.NewTokens - 1) * hidden, _weights.FinalNorm, pooled, hidden, eps);
                continue;
            }
            var sum = new Span<float>(pooled, hidden);
            sum.Clear();
            for (int t = seq.TokenStart; t < seq.TokenStart + seq.NewTokens; t++)
            {
                float* normed = _s.Xn + (long)t * hidden;
                RmsNorm.Row(_s.X + (long)t * hidden, _weights.FinalNorm, normed, hidden, eps);
                System.Numerics.Tensors.TensorPrimitives.Add(sum, new ReadOnlySpan<float>(normed, hidden), sum);
            }
        }
    }

    /// <summary>Final norm and LM head for the last new token of each sequence that needs logits only.</summary>
    private void ComputeLogits(ForwardBatch batch)
    {
        int hidden = Config.HiddenSize, vocab = Config.VocabSize, rows = 0;
        ReadOnlySpan<ForwardSequence> sequences = batch.Sequences;
        for (int i = 0; i < sequences.Length; i++)
        {
            if (!sequences[i].NeedsLogits) continue;
            int last = sequences[i].TokenStart + sequences[i].NewTokens - 1;
            RmsNorm.Row(_s.X + (long)last * hidden, _weights.FinalNorm, _s.HeadIn + (long)rows * hidden, hidden, (float)Config.RmsNormEps);
            _s.LogitSequences[rows++] = i;
        }
        if (rows == 0) return;
        _matMul.Run(_s.HeadIn, hidden, rows, _weights.LmHead, null, _s.Logits, vocab);
        // Compact row k belongs to sequence LogitSequences[k] >= k: move from the last row down.
        for (int k = rows - 1; k >= 0; k--)
        {
            int target = _s.LogitSequences[k];
            if (target == k) continue;
            new Span<float>(_s.Logits + (long)k * vocab, vocab).CopyTo(new Span<float>(_s.Logits + (long)target * vocab, vocab));
        }
    }

    private static void ValidateOptions(ModelConfig config, CpuRunnerOptions options)
    {
        LayerRange all = LayerRange.All(config.NumLayers);
        if (options.Layers is { } r && (r.Count <= 0 || !all.Contains(r)))
        {
            throw new ArgumentException($"Layer range {r} is empty or outside the model's {all}.", nameof(options));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchTokens, 1, "options.MaxBatchTokens");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSequences, 1, "options.MaxBatchSequences");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BlockTokens, 1, "options.BlockTokens");
        ArgumentOutOfRangeException.ThrowIfNegative(options.Threads, "options.Threads");
        KvCacheLayout.ValidateElementType(options.KvCacheDType, config.HeadDim, "options.KvCacheDType");
        if (config.NumKvHeads <= 0 || config.NumHeads % config.NumKvHeads != 0 || config.HeadDim % 2 != 0)
        {
            throw new ModelConfigException(
                $"Unsupported attention geometry: {config.NumHeads} heads over {config.NumKvHeads} KV heads, head_dim {config.HeadDim} (heads must be a multiple of KV heads, head_dim even).");
        }
    }

    /// <summary>Stops the threads and frees scratch and the weight vectors; releases budget charges. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _pool.Dispose();
        _s.Dispose();
        _weights.Dispose();
    }
}
