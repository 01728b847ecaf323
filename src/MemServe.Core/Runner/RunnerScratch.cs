using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Runner;

/// <summary>
/// All activation buffers of a <see cref="CpuModelRunner"/>, carved from one native FP32 allocation charged
/// to the budget as <see cref="MemoryCategory.Scratch"/>, plus small managed index arrays for block tables.
/// Sized once for MaxBatchTokens (T) and MaxBatchSequences (S); owned and disposed by the runner.
/// </summary>
internal sealed unsafe class RunnerScratch : IDisposable
{
    private readonly NativeBuffer<float> _buffer;

    public RunnerScratch(ModelConfig c, int maxTokens, int maxSequences, int threads, int blockTokens, bool head, bool q8, bool packed, MemoryBudget? budget)
    {
        int t = maxTokens, group = c.NumHeads / c.NumKvHeads;
        int maxCols = Math.Max(Math.Max(c.HiddenSize, c.QueryDim), c.IntermediateSize);
        AttentionWorkspaceFloats = PagedAttention.WorkspaceFloats(group, c.HeadDim, blockTokens);
        F16MaxCols = maxCols;
        Q8Tokens = q8 ? Math.Max(maxTokens, maxSequences) : 0;
        PackedTokens = packed ? Math.Max(maxTokens, maxSequences) : 0;
        long[] sizes =
        [
            (long)t * c.HiddenSize,         // X
            (long)t * c.HiddenSize,         // Xn
            (long)t * c.QueryDim,           // Q
            (long)t * c.KvDim,              // K
            (long)t * c.KvDim,              // V
            (long)t * c.QueryDim,           // Attention
            (long)t * c.IntermediateSize,   // Gate
            (long)t * c.IntermediateSize,   // Up
            (long)t * c.HeadDim,            // RopeTable
            head ? (long)maxSequences * c.HiddenSize : 0, // HeadIn
            head ? (long)maxSequences * c.VocabSize : 0,  // Logits
            (long)threads * AttentionWorkspaceFloats,     // AttentionWorkspace
            MatMul.ScratchFloats(threads, maxCols),       // F16Tiles
            q8 ? (MatMul.Q8ScratchBytes(Q8Tokens, maxCols) + 3) / 4 : 0, // Q8Input (bytes as floats)
            packed ? 0 : MatMul.PaddedInputFloats(t, maxCols, c.HiddenSize, c.QueryDim, c.IntermediateSize), // PaddedInput
            packed ? PanelLayout.PackedInputFloats(PackedTokens, maxCols) : 0, // PackedInput
            head ? (long)maxSequences * c.HiddenSize : 0, // Pooled
        ];
        long total = 0;
        foreach (long s in sizes) total += Align(s);
        _buffer = new NativeBuffer<float>(total, budget, MemoryCategory.Scratch,
            $"runner scratch ({maxTokens} tokens, {maxSequences} sequences, {threads} threads)");
        float* p = _buffer.Pointer;
        float* Next(long floats) { float* r = p; p += Align(floats); return r; }
        X = Next(sizes[0]); Xn = Next(sizes[1]); Q = Next(sizes[2]); K = Next(sizes[3]); V = Next(sizes[4]);
        Attention = Next(sizes[5]); Gate = Next(sizes[6]); Up = Next(sizes[7]); RopeTable = Next(sizes[8]);
        HeadIn = Next(sizes[9]); Logits = Next(sizes[10]); AttentionWorkspace = Next(sizes[11]); F16Tiles = Next(sizes[12]);
        Q8Input = (byte*)Next(sizes[13]);
        PaddedInput = sizes[14] > 0 ? Next(sizes[14]) : null;
        PackedInput = sizes[15] > 0 ? Next(sizes[15]) : null;
        Pooled = Next(sizes[16]);
        TokenBlocks = new int[maxTokens];
        LogitSequences = new int[maxSequences];
    }

    public float* X { get; }                  // (T, hidden) residual stream
    public float* Xn { get; }                 // (T, hidden) normed input / projection output
    public float* Q { get; }                  // (T, heads * headDim)
    public float* K { get; }                  // (T, kvHeads * headDim)
    public float* V { get; }                  // (T, kvHeads * headDim)
    public float* Attention { get; }          // (T, heads * headDim)
    public float* Gate { get; }               // (T, ffn)
    public float* Up { get; }                 // (T, ffn)
    public float* RopeTable { get; }          // (T, headDim) cos | sin
    public float* HeadIn { get; }             // (S, hidden) last-token rows for the LM head
    public float* Logits { get; }             // (S, vocab)
    public float* AttentionWorkspace { get; } // (threads, AttentionWorkspaceFloats)
    public float* F16Tiles { get; }           // (threads, MatMul.F16TileRows, F16MaxCols)
    public byte* Q8Input { get; }            // MatMul.Q8ScratchBytes(Q8Tokens, F16MaxCols): quantized matmul inputs
    public int Q8Tokens { get; }              // rows the Q8 input scratch holds (0 without Q8 weights)
    public float* PaddedInput { get; }        // (T, F16MaxCols + MatMul.InputPad) prefill matmul inputs, null when T is small
    public float* PackedInput { get; }        // PanelLayout.PackedInputFloats(PackedTokens, F16MaxCols): matmul inputs for packed weights
    public int PackedTokens { get; }          // rows the packed input holds (0 without packed weights)
    public float* Pooled { get; }             // (S, hidden) pooled final-norm hidden states (embeddings)
    public int AttentionWorkspaceFloats { get; }
    public int F16MaxCols { get; }

    /// <summary>(T) index into <see cref="BlockIds"/> of each token's sequence's first block.</summary>
    public int[] TokenBlocks { get; }

    /// <summary>(S) sequence index of each compact logits row.</summary>
    public int[] LogitSequences { get; }

    /// <summary>Flattened block tables of the current batch; grows when a batch needs more.</summary>
    public int[] BlockIds { get; private set; } = new int[256];

    /// <summary>Makes <see cref="BlockIds"/> hold at least <paramref name="count"/> entries.</summary>
    public void EnsureBlockIds(int count)
    {
        if (BlockIds.Length < count) BlockIds = new int[Math.Max(count, BlockIds.Length * 2)];
    }

    public void Dispose() => _buffer.Dispose();

    private static long Align(long floats) => (floats + 15) & ~15L;
}
