using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Core.Tests.Engine;

/// <summary>
/// A deterministic stand-in for the model. Forward stores each new token (and its position + 1 as a
/// marker) in the K slot its block table names, then rebuilds every logits-needing sequence's context
/// from the KV cache alone, so a wrong block table or a block shared by mistake changes the output (or
/// throws when a position was never written). Logits depend only on that context: a hash by default,
/// or a spike at <see cref="Script"/>'s token.
/// </summary>
internal sealed unsafe class FakeRunner : IModelRunner
{
    private readonly float[] _logits; // (sequence, vocab)
    private readonly int[] _context;  // (position) scratch
    private readonly float[] _pooled; // (sequence, hidden): pooled rows are the new tokens' ids (last, or summed) in every lane

    public FakeRunner(int vocabSize = 64, int maxPositions = 512, int blockTokens = 4,
        int maxBatchTokens = 512, int maxBatchSequences = 64)
    {
        Config = new ModelConfig
        {
            ModelType = "fake", HiddenSize = 8, IntermediateSize = 8, NumLayers = 1, NumHeads = 1, NumKvHeads = 1,
            HeadDim = 2, VocabSize = vocabSize, MaxPositionEmbeddings = maxPositions, RmsNormEps = 1e-5,
            RopeTheta = 10000, EosTokenIds = [FakeTokenizer.Eos],
        };
        KvLayout = new KvCacheLayout(0, 1, 1, 2, blockTokens);
        MaxBatchTokens = maxBatchTokens;
        MaxBatchSequences = maxBatchSequences;
        _logits = new float[maxBatchSequences * vocabSize];
        _context = new int[maxPositions];
        _pooled = new float[maxBatchSequences * Config.HiddenSize];
    }

    public ModelConfig Config { get; }
    public LayerRange Layers => LayerRange.All(1);
    public int MaxBatchTokens { get; }
    public int MaxBatchSequences { get; }
    public KvCacheLayout KvLayout { get; }

    /// <summary>When set, the next token is this function of the context (logit 10, others 0).</summary>
    public Func<ReadOnlySpan<int>, int>? Script { get; init; }

    /// <summary>Called at the start of every Forward (block, throw, observe).</summary>
    public Action<ForwardBatch>? OnForward { get; set; }

    public int ForwardCalls { get; private set; }
    public int MostTokensInOneCall { get; private set; }
    public bool Disposed { get; private set; }

    public ForwardOutput Forward(ForwardBatch batch, LayerRange layers, HiddenStates? hiddenIn = null)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        OnForward?.Invoke(batch);
        ForwardCalls++;
        MostTokensInOneCall = Math.Max(MostTokensInOneCall, batch.TokenCount);
        if (batch.TokenCount > MaxBatchTokens || batch.SequenceCount > MaxBatchSequences)
            throw new InvalidOperationException("batch over the runner's limits");
        var sequences = batch.Sequences;
        for (int s = 0; s < sequences.Length; s++)
        {
            ForwardSequence seq = sequences[s];
            for (int j = 0; j < seq.NewTokens; j++)
            {
                float* slot = Slot(batch, seq.BlockTable, seq.CachedTokens + j);
                slot[0] = batch.TokenIds[seq.TokenStart + j];
                slot[1] = seq.CachedTokens + j + 1;
            }
        }
        for (int s = 0; s < sequences.Length; s++)
        {
            if (sequences[s].NeedsLogits) WriteLogits(batch, sequences[s], _logits.AsSpan(s * Config.VocabSize, Config.VocabSize));
            if (sequences[s].Pooling != HiddenPooling.None) WritePooled(batch, sequences[s], _pooled.AsSpan(s * Config.HiddenSize, Config.HiddenSize));
        }
        return new ForwardOutput(null, _logits, Config.VocabSize) { PooledStates = _pooled, PooledWidth = Config.HiddenSize };
    }

    public void Dispose() => Disposed = true;

    /// <summary>The greedy continuation the default hash logits give for <paramref name="context"/>.</summary>
    public static float HashLogit(ulong contextHash, int tokenId)
    {
        ulong x = contextHash ^ ((ulong)tokenId * 0x9E3779B97F4A7C15UL);
        x ^= x >> 33; x *= 0xFF51AFD7ED558CCDUL; x ^= x >> 33;
        return (x % 1000) / 100f;
    }

    private void WriteLogits(ForwardBatch batch, ForwardSequence seq, Span<float> row)
    {
        int total = seq.TotalTokens;
        for (int p = 0; p < total; p++)
        {
            float* slot = Slot(batch, seq.BlockTable, p);
            if (slot[1] != p + 1) throw new InvalidOperationException($"KV of position {p} is missing: wrong block table");
            _context[p] = (int)slot[0];
        }
        ReadOnlySpan<int> context = _context.AsSpan(0, total);
        if (Script is { } script)
        {
            row.Clear();
            row[script(context)] = 10f;
            return;
        }
        ulong hash = 14695981039346656037UL;
        foreach (int t in context) hash = (hash ^ (uint)t) * 1099511628211UL;
        for (int v = 0; v < row.Length; v++) row[v] = HashLogit(hash, v);
    }

    private static void WritePooled(ForwardBatch batch, ForwardSequence seq, Span<float> row)
    {
        ReadOnlySpan<int> ids = batch.TokenIds.Slice(seq.TokenStart, seq.NewTokens);
        float value = 0;
        if (seq.Pooling == HiddenPooling.LastToken) value = ids[^1];
        else foreach (int id in ids) value += id;
        row.Fill(value);
    }

    private float* Slot(ForwardBatch batch, int[] blockTable, int position)
    {
        int block = blockTable[position / KvLayout.BlockTokens];
        return batch.KvCache.Block(block) + KvLayout.Offset(0, false, 0, position % KvLayout.BlockTokens);
    }
}
