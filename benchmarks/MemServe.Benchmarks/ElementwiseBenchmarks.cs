using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// The small per-token kernels at the hidden width of the baseline shapes: RMSNorm of <see cref="Tokens"/>
/// rows (GB/s: bytes read and written) and RoPE of all q and k heads (GB/s likewise), single-threaded as the
/// runner calls them.
/// </summary>
[Config(typeof(Columns))]
public unsafe class ElementwiseBenchmarks
{
    private sealed class Columns : ManualConfig
    {
        public Columns() => AddColumn(new ThroughputColumn("GB/s", c =>
        {
            ModelConfig m = ModelShapes.Get(ThroughputColumn.Param<string>(c, nameof(Shape)));
            int tokens = ThroughputColumn.Param<int>(c, nameof(Tokens));
            double norm = 2.0 * tokens * m.HiddenSize * sizeof(float);
            double rope = 2.0 * tokens * (m.QueryDim + m.KvDim) * sizeof(float);
            return c.Descriptor.WorkloadMethod.Name == nameof(RmsNormRows) ? norm : rope;
        }));
    }

    private NativeBuffer<float> _x = null!, _y = null!, _w = null!, _q = null!, _table = null!;
    private ModelConfig _config = null!;

    [Params("S", "L")]
    public string Shape { get; set; } = "S";

    [Params(1, 64)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _config = ModelShapes.Get(Shape);
        int h = _config.HiddenSize;
        _x = Filled((long)Tokens * h, 0.5f);
        _y = Filled((long)Tokens * h, 0f);
        _w = Filled(h, 1f);
        _q = Filled((long)Tokens * (_config.QueryDim + _config.KvDim), 0.25f);
        _table = Filled((long)Tokens * _config.HeadDim, 0f);
        int[] positions = new int[Tokens];
        for (int t = 0; t < Tokens; t++) positions[t] = 100 + t;
        new Rope(_config).FillTable(positions, _table.Pointer);
    }

    [Benchmark]
    public void RmsNormRows() => RmsNorm.Rows(_x.Pointer, _w.Pointer, _y.Pointer, Tokens, _config.HiddenSize, _config.HiddenSize, 1e-5f);

    [Benchmark]
    public void RopeQk()
    {
        int hd = _config.HeadDim, heads = _config.NumHeads + _config.NumKvHeads;
        for (int t = 0; t < Tokens; t++) Rope.Apply(_q.Pointer + (long)t * heads * hd, heads, hd, _table.Pointer + (long)t * hd);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _x.Dispose();
        _y.Dispose();
        _w.Dispose();
        _q.Dispose();
        _table.Dispose();
    }

    private static NativeBuffer<float> Filled(long n, float value)
    {
        var b = new NativeBuffer<float>(n, null, MemoryCategory.Scratch, "bench");
        new Span<float>(b.Pointer, checked((int)n)).Fill(value);
        return b;
    }
}
