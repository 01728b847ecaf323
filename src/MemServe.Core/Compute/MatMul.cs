namespace MemServe.Compute;

/// <summary>One projection of a (possibly fused) matmul: <c>Y[t, r] = X[t, :] · W[r, :] + Bias[r]</c>.</summary>
internal readonly unsafe struct MatMulTarget(WeightMatrix w, float* bias, float* y, int yStride)
{
    /// <summary>The weights.</summary>
    public WeightMatrix W { get; } = w;

    /// <summary>FP32 bias of W.Rows floats, or null.</summary>
    public float* Bias { get; } = bias;

    /// <summary>Output, (tokens, YStride).</summary>
    public float* Y { get; } = y;

    /// <summary>Floats between output rows.</summary>
    public int YStride { get; } = yStride;
}

/// <summary>
/// Multi-threaded matmul of FP32 activations with F32/F16/BF16/Q8 weights, packed into panels or row-major. Output
/// panels (or row chunks) are split across the pool; several projections sharing one input (q/k/v, gate/up) run as
/// one job so the threads meet at one barrier instead of three. The input is prepared once per call on the calling
/// thread (or the pool, for large prefill inputs): packed into token groups for packed weights, quantized to int8
/// blocks (<see cref="Q8Block"/>) for Q8 weights, or copied to padded rows when row-major rows would collide in L1;
/// each thread's share then runs in <see cref="MatMulTargetRunner"/>. F32 and BF16 are widened in registers, F16 too
/// up to <see cref="MatMulKernels.MaxWideTokens"/> tokens, above which it is widened into per-thread scratch in
/// tiles of <see cref="F16TileRows"/> rows and reused by every token. No allocations.
/// </summary>
internal sealed unsafe class MatMul
{
    /// <summary>Rows converted at a time for F16 weights in prefill: 64, so the FP32 tile reuses each slice of x across
    /// 32 row pairs (8 rows gave 7–20% slower S and M prefill).</summary>
    public const int F16TileRows = 64;

    private readonly ComputeThreadPool _pool;
    private readonly float* _scratch;       // (thread, F16TileRows, _maxCols)
    private readonly int _maxCols;
    private readonly byte* _q8Scratch;      // (q8Tokens, blocks * 32) int8, then (q8Tokens, blocks) scales
    private readonly int _q8Tokens;
    private readonly float* _paddedInput;   // (_paddedTokens, _maxCols + InputPad)
    private readonly int _paddedTokens;
    private readonly float* _packedInput;   // PanelLayout.PackedInputFloats(_packedTokens, _maxCols)
    private readonly int _packedTokens;
    private readonly CpuKernelPath _path;

    /// <summary>Floats added to each row of a prefill input whose rows are a multiple of 4 KiB apart: such rows land in
    /// the same L1 sets, and the 8 rows a tile reads at one offset evict each other and the weight rows.</summary>
    public const int InputPad = 16;

    /// <summary>Whether input rows <paramref name="stride"/> floats apart are copied to padded rows for prefill.</summary>
    public static bool PadsStride(int stride) => (long)stride * sizeof(float) % 4096 == 0;

    /// <summary>Floats of the padded-input scratch for <paramref name="tokens"/> rows of inputs of the given widths
    /// (0 when no prefill can use it: too few tokens, or no width whose rows would be padded).</summary>
    public static long PaddedInputFloats(int tokens, int maxCols, params ReadOnlySpan<int> inputWidths)
    {
        bool any = false;
        foreach (int width in inputWidths) any |= PadsStride(width);
        return any && tokens > MatMulKernels.MaxWideTokens ? (long)tokens * (maxCols + InputPad) : 0;
    }

    /// <summary>Creates a matmul over <paramref name="pool"/> with F16 scratch for inputs up to
    /// <paramref name="maxCols"/> wide; <paramref name="scratch"/> must hold
    /// <see cref="ScratchFloats"/>(pool.ThreadCount, maxCols) floats and outlive this object. Q8 weights need
    /// <paramref name="q8Scratch"/> of <see cref="Q8ScratchBytes"/>(q8Tokens, maxCols) bytes; inputs then hold at
    /// most <paramref name="q8Tokens"/> rows. Packed weights need <paramref name="packedInput"/> of
    /// <see cref="PanelLayout.PackedInputFloats"/>(packedTokens, maxCols) floats for more than one token. Packed weights run
    /// on the kernels of <paramref name="path"/> (default <see cref="CpuKernels.Path"/>; tests name each path).</summary>
    public MatMul(ComputeThreadPool pool, float* scratch, int maxCols, byte* q8Scratch = null, int q8Tokens = 0,
        float* paddedInput = null, int paddedTokens = 0, float* packedInput = null, int packedTokens = 0, CpuKernelPath? path = null)
    {
        _path = path ?? CpuKernels.Path;
        if (!CpuKernels.Supports(_path)) throw new PlatformNotSupportedException($"this CPU cannot run the {CpuKernels.NameOf(_path)} kernels");
        _packedInput = packedInput;
        _packedTokens = packedInput == null ? 0 : packedTokens;
        _paddedInput = paddedInput;
        _paddedTokens = paddedInput == null ? 0 : paddedTokens;
        _pool = pool;
        _scratch = scratch;
        _maxCols = maxCols;
        _q8Scratch = q8Scratch;
        _q8Tokens = q8Scratch == null ? 0 : q8Tokens;
    }

    /// <summary>Scratch floats needed for <paramref name="threads"/> threads and inputs up to <paramref name="maxCols"/>.</summary>
    public static long ScratchFloats(int threads, int maxCols) => (long)threads * F16TileRows * maxCols;

    /// <summary>Q8 activation scratch bytes for <paramref name="tokens"/> input rows up to <paramref name="maxCols"/> wide.</summary>
    public static long Q8ScratchBytes(int tokens, int maxCols)
    {
        long blocks = Q8Block.BlocksFor(maxCols);
        return (long)tokens * blocks * (Q8Block.Size + sizeof(float) + sizeof(int));
    }

    /// <summary>Single projection: <c>y[t, r] = x[t, :] · w[r, :] (+ bias[r])</c> for t in [0, tokens).</summary>
    public void Run(float* x, int xStride, int tokens, WeightMatrix w, float* bias, float* y, int yStride)
    {
        var job = new MatMulJob { X = x, XStride = xStride, Tokens = tokens, Count = 1, Scratch = _scratch, MaxCols = _maxCols, Path = _path };
        job.Targets[0] = new MatMulTarget(w, bias, y, yStride);
        if (w.Format == WeightFormat.Q8) QuantizeInput(ref job, w.Cols);
        else if (w.Packed) PackInput(ref job, w.Cols);
        else Pad(ref job, w.Cols);
        Dispatch(ref job, Units(w), w.Cols);
    }

    /// <summary>Fused projections sharing input <paramref name="x"/> (all weights have the same Cols).</summary>
    public void Run(float* x, int xStride, int tokens, in MatMulTarget a, in MatMulTarget b, in MatMulTarget c = default)
    {
        var job = new MatMulJob { X = x, XStride = xStride, Tokens = tokens, Count = c.Y == null ? 2 : 3, Scratch = _scratch, MaxCols = _maxCols, Path = _path };
        job.Targets[0] = a;
        job.Targets[1] = b;
        job.Targets[2] = c;
        if (a.W.Packed != b.W.Packed || (c.Y != null && c.W.Packed != a.W.Packed))
        {
            throw new ArgumentException("Fused projections must be all packed or all row-major.");
        }
        int units = Units(a.W) + Units(b.W) + (c.Y == null ? 0 : Units(c.W));
        if (a.W.Format == WeightFormat.Q8 || b.W.Format == WeightFormat.Q8 || (c.Y != null && c.W.Format == WeightFormat.Q8))
        {
            QuantizeInput(ref job, a.W.Cols);
        }
        else if (a.W.Packed)
        {
            PackInput(ref job, a.W.Cols);
        }
        else
        {
            Pad(ref job, a.W.Cols);
        }
        Dispatch(ref job, units, a.W.Cols);
    }

    /// <summary>Input floats below which <see cref="PackInput"/> packs on the calling thread.</summary>
    private const long PackInline = 1 << 16;

    /// <summary>Work items of a matrix: its panels when packed (a thread takes whole panels), else its rows.</summary>
    private static int Units(in WeightMatrix w) => w.Packed ? w.Panels : w.Rows;

    /// <summary>Packs the job's input rows into token groups for the panel tiles (more than one token), on the pool.</summary>
    private void PackInput(ref MatMulJob job, int cols)
    {
        job.Packed = true;
        if (job.Tokens == 1) return;
        if (job.Tokens > _packedTokens || cols > _maxCols)
        {
            throw new InvalidOperationException($"Packed matmul of {job.Tokens} rows × {cols} exceeds the packed-input scratch ({_packedTokens} rows × {_maxCols}).");
        }
        job.Xp = _packedInput;
        job.Cols = cols;
        int groups = PanelLayout.GroupsFor(job.Tokens);
        // Batched decode packs on this thread (a few microseconds, less than a pool round trip); prefill on the pool.
        if ((long)job.Tokens * cols < PackInline) PanelLayout.PackInput(job.X, job.XStride, job.Tokens, cols, job.Xp, 0, groups);
        else fixed (MatMulJob* p = &job) _pool.Run(&PackBody, p, groups, 1);
    }

    private static void PackBody(void* context, int begin, int end, int thread)
    {
        MatMulJob* job = (MatMulJob*)context;
        PanelLayout.PackInput(job->X, job->XStride, job->Tokens, job->Cols, job->Xp, begin, end);
    }

    /// <summary>Quantizes the job's input rows into the Q8 scratch (once per call, shared by all targets).</summary>
    // Prefill inputs whose rows sit a multiple of 4 KiB apart (hidden 1024, 2048, 4096 in FP32) are copied to rows
    // InputPad floats longer: the copy is under 1% of the matmul, and L f32 prefill ran 1.11× faster (interleaved).
    private void Pad(ref MatMulJob job, int cols)
    {
        if (job.Tokens > _paddedTokens || job.Tokens <= MatMulKernels.MaxWideTokens || cols > _maxCols
            || !PadsStride(job.XStride)) return;
        int stride = cols + InputPad;
        for (int t = 0; t < job.Tokens; t++)
        {
            Buffer.MemoryCopy(job.X + (long)t * job.XStride, _paddedInput + (long)t * stride, (long)cols * sizeof(float), (long)cols * sizeof(float));
        }
        job.X = _paddedInput;
        job.XStride = stride;
    }

    private void QuantizeInput(ref MatMulJob job, int cols)
    {
        if (job.Tokens > _q8Tokens || cols > _maxCols)
        {
            throw new InvalidOperationException($"Q8 matmul of {job.Tokens} rows × {cols} exceeds the Q8 scratch ({_q8Tokens} rows × {_maxCols}).");
        }
        int blocks = Q8Block.BlocksFor(cols);
        long rowBytes = (long)blocks * Q8Block.Size;
        long maxBlocks = (long)_q8Tokens * Q8Block.BlocksFor(_maxCols);
        job.Xq = (sbyte*)_q8Scratch;
        job.Xs = (float*)(_q8Scratch + maxBlocks * Q8Block.Size);
        job.Xsum = (int*)(job.Xs + maxBlocks);
        job.Packed = job.Targets[0].W.Packed;
        for (int t = 0; t < job.Tokens; t++)
        {
            Q8Block.QuantizeRow(_path, job.X + (long)t * job.XStride, cols, job.Xq + t * rowBytes, job.Xs + (long)t * blocks);
            if (job.Packed) Q8Block.BlockSums(_path, job.Xq + t * rowBytes, blocks, job.Xsum + (long)t * blocks);
        }
    }

    private void Dispatch(ref MatMulJob job, int units, int cols)
    {
        if (cols > _maxCols) throw new ArgumentOutOfRangeException(nameof(cols), cols, $"matmul input width exceeds the scratch width {_maxCols}");
        // Aim for ~8 chunks per thread (dynamic balance): of whole panels, or of at least 8 rows, a multiple of 4.
        int grain = Math.Max(job.Packed ? 1 : 8, units / (_pool.ThreadCount * 8));
        if (!job.Packed) grain = (grain + 3) & ~3;
        fixed (MatMulJob* p = &job) _pool.Run(&Body, p, units, grain);
    }

    private static void Body(void* context, int begin, int end, int thread)
    {
        MatMulJob* job = (MatMulJob*)context;
        int offset = 0;
        for (int k = 0; k < job->Count; k++)
        {
            MatMulTarget t = job->Targets[k];
            int units = Units(t.W);
            int lo = Math.Max(begin - offset, 0), hi = Math.Min(end - offset, units);
            if (lo < hi && job->Packed) MatMulTargetRunner.RunPanels(job, t, lo, hi, thread);
            else if (lo < hi) MatMulTargetRunner.RunRows(job, t, lo, hi, thread);
            offset += units;
        }
    }
}
