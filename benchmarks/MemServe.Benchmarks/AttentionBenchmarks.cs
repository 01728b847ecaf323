using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MemServe.Compute;
using MemServe.Memory;

namespace MemServe.Benchmarks;

/// <summary>
/// One decode token's attention for one layer over a paged KV cache of <see cref="Context"/> tokens, with the
/// heads of the baseline shapes (S: 9/3 heads, L: 32/4 heads, head_dim 64), 16-token blocks scattered over the
/// arena. GB/s column: K and V bytes read ÷ time (each KV vector is read once per GQA group).
/// </summary>
[Config(typeof(Columns))]
public unsafe class AttentionBenchmarks
{
    private const int HeadDim = 64, BlockTokens = 16;

    private sealed class Columns : ManualConfig
    {
        public Columns() => AddColumn(new ThroughputColumn("GB/s", c =>
            2.0 * KvHeads(ThroughputColumn.Param<string>(c, nameof(Shape))) * HeadDim * sizeof(float) * ThroughputColumn.Param<int>(c, nameof(Context))));
    }

    private static int KvHeads(string shape) => shape == "S" ? 3 : 4;

    private NativeBuffer<float> _arena = null!, _q = null!, _out = null!, _workspace = null!;
    private ComputeThreadPool _pool = null!;
    private int[] _blockIds = [];
    private AttentionArgs _args;

    [Params("S", "L")]
    public string Shape { get; set; } = "S";

    [Params(128, 512, 2048)]
    public int Context { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int kvHeads = KvHeads(Shape), heads = Shape == "S" ? 9 : 32;
        var layout = new KvCacheLayout(0, 1, kvHeads, HeadDim, BlockTokens);
        int blocks = layout.BlocksFor(Context);
        _arena = new NativeBuffer<float>(layout.BlockFloats * blocks, null, MemoryCategory.KvCache, "kv");
        var random = new Random(2);
        for (long i = 0; i < _arena.Length; i++) _arena.Pointer[i] = (float)(random.NextDouble() - 0.5);
        _blockIds = new int[blocks];
        for (int b = 0; b < blocks; b++) _blockIds[b] = (b * 7) % blocks; // scattered, a permutation when blocks % 7 != 0
        _q = new NativeBuffer<float>(heads * HeadDim, null, MemoryCategory.Scratch, "q");
        for (int i = 0; i < heads * HeadDim; i++) _q.Pointer[i] = (float)(random.NextDouble() - 0.5);
        _out = new NativeBuffer<float>(heads * HeadDim, null, MemoryCategory.Scratch, "out");
        _pool = new ComputeThreadPool(2);
        int ws = PagedAttention.WorkspaceFloats(heads / kvHeads, HeadDim, BlockTokens);
        _workspace = new NativeBuffer<float>((long)ws * _pool.ThreadCount, null, MemoryCategory.Scratch, "ws");
        _args = new AttentionArgs
        {
            Q = _q.Pointer, Out = _out.Pointer, Tokens = 1, NumHeads = heads, NumKvHeads = kvHeads, HeadDim = HeadDim,
            Scale = 1f / MathF.Sqrt(HeadDim), Arena = _arena.Pointer, BlockFloats = layout.BlockFloats,
            KOffset = layout.Offset(0, false, 0, 0), VOffset = layout.Offset(0, true, 0, 0),
            HeadStride = BlockTokens * HeadDim, BlockTokens = BlockTokens, Workspace = _workspace.Pointer, WorkspaceFloats = ws,
        };
    }

    [Benchmark]
    public void DecodeAttention()
    {
        int position = Context - 1, first = 0;
        fixed (int* blockIds = _blockIds)
        {
            _args.Positions = &position;
            _args.TokenBlocks = &first;
            _args.BlockIds = blockIds;
            PagedAttention.Run(_pool, ref _args);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _arena.Dispose();
        _q.Dispose();
        _out.Dispose();
        _workspace.Dispose();
    }
}
