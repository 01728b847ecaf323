using System.Runtime.CompilerServices;

namespace MemServe.Compute;

/// <summary>One matmul call as the pool's workers see it: the (prepared) input, the targets, and the scratch each kind of
/// weight needs. Filled by <see cref="MatMul"/> on the calling thread, read-only while the workers run.</summary>
internal unsafe struct MatMulJob
{
    public float* X;        // (Tokens, XStride)
    public int XStride;
    public int Tokens;
    public int Count;       // targets in use
    public float* Scratch;  // (thread, F16TileRows, MaxCols)
    public int MaxCols;
    public sbyte* Xq;       // (Tokens, blocks * 32) quantized input, Q8 targets only
    public float* Xs;       // (Tokens, blocks) input block scales
    public int* Xsum;       // (Tokens, blocks) sums of the quantized input's blocks (packed Q8 targets)
    public bool Packed;     // packed targets: work items are panels
    public float* Xp;       // packed input (PanelLayout.PackInput), packed targets with more than one token
    public int Cols;        // input columns, for packing the input
    public CpuKernelPath Path; // the kernels the workers run
    public Targets3 Targets;
}

/// <summary>Up to three fused projections of one input (q/k/v, gate/up).</summary>
[InlineArray(3)]
internal struct Targets3
{
    private MatMulTarget _element;
}
