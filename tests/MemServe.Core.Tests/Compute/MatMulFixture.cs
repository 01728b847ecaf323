using MemServe.Compute;
using MemServe.Memory;

namespace MemServe.Core.Tests.Compute;

/// <summary>A pool and a <see cref="MatMul"/> with every scratch it may need for up to <c>tokens</c> input rows of up
/// to <c>cols</c> columns: F16 tiles, the Q8 input and the packed input, on the kernels of <c>path</c> (default: the process's). Disposes them all.</summary>
internal sealed unsafe class MatMulFixture : IDisposable
{
    private readonly ComputeThreadPool _pool;
    private readonly NativeBuffer<float> _scratch;
    private readonly NativeBuffer<byte> _q8;
    private readonly NativeBuffer<float> _packedInput;

    public MatMulFixture(int threads, int cols, int tokens, CpuKernelPath? path = null)
    {
        _pool = new ComputeThreadPool(threads);
        _scratch = new NativeBuffer<float>(MatMul.ScratchFloats(threads, cols), null, MemoryCategory.Scratch, "s");
        _q8 = new NativeBuffer<byte>(MatMul.Q8ScratchBytes(tokens, cols), null, MemoryCategory.Scratch, "xq");
        _packedInput = new NativeBuffer<float>(PanelLayout.PackedInputFloats(tokens, cols), null, MemoryCategory.Scratch, "xp");
        MatMul = new MatMul(_pool, _scratch.Pointer, cols, _q8.Pointer, tokens, packedInput: _packedInput.Pointer, packedTokens: tokens, path: path);
    }

    public MatMul MatMul { get; }

    public void Dispose()
    {
        _pool.Dispose();
        _scratch.Dispose();
        _q8.Dispose();
        _packedInput.Dispose();
    }
}
