using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// Weight-times-activations at the FFN shapes of the baseline models (S: 1536×576, M: 4864×896,
/// L: 5632×2048). Tokens = 1 is the decode GEMV (bound by reading the weights once); Tokens = 64 is
/// the prefill GEMM. Throughput columns: weight bytes ÷ time (GB/s, what bounds the GEMV) and
/// 2·rows·cols·tokens ÷ time (GFLOP/s, what bounds the GEMM). Q8 quantizes the weights in setup. Layout "Packed" is
/// what the runner uses by default (<see cref="PanelLayout"/>, <see cref="Q8Panels"/>); "RowMajor" is the checkpoint's
/// layout (<c>PackWeights = false</c>).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Columns))]
public unsafe class MatMulBenchmarks
{
    private sealed class Columns : ManualConfig
    {
        public Columns()
        {
            AddColumn(new ThroughputColumn("GB/s", WeightBytes));
            AddColumn(new ThroughputColumn("GFLOP/s", c =>
            {
                (int rows, int cols) = Dims(ThroughputColumn.Param<string>(c, nameof(Shape)));
                return 2.0 * rows * cols * ThroughputColumn.Param<int>(c, nameof(Tokens));
            }));
        }
    }

    private static (int Rows, int Cols) Dims(string shape) => shape switch { "S" => (1536, 576), "M" => (4864, 896), _ => (5632, 2048) };

    private static double WeightBytes(BenchmarkCase c)
    {
        (int rows, int cols) = Dims(ThroughputColumn.Param<string>(c, nameof(Shape)));
        bool packed = ThroughputColumn.Param<string>(c, nameof(Layout)) == "Packed";
        return ThroughputColumn.Param<string>(c, nameof(Format)) switch
        {
            "F32" => 4.0 * rows * cols,
            "Q8" => packed ? Q8Panels.BytesFor(rows, cols) : Q8Quantizer.BytesFor(rows, cols),
            _ => 2.0 * rows * cols,
        };
    }

    private NativeBuffer<byte>? _q8, _xq, _packed;
    private NativeBuffer<float>? _packedInput;
    private NativeBuffer<byte> _weights = null!;
    private NativeBuffer<float> _x = null!, _y = null!, _scratch = null!;
    private ComputeThreadPool _pool = null!;
    private Compute.MatMul _matMul = null!;
    private WeightMatrix _w;

    [Params("S", "M", "L")]
    public string Shape { get; set; } = "S";

    [Params("F32", "F16", "BF16", "Q8")]
    public string Format { get; set; } = "BF16";

    [Params(1, 64)]
    public int Tokens { get; set; }

    [Params("Packed", "RowMajor")]
    public string Layout { get; set; } = "Packed";

    [Params(2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (int rows, int cols) = Dims(Shape);
        DType DType = Format == "Q8" ? DType.BF16 : Enum.Parse<DType>(Format);
        _weights = new NativeBuffer<byte>((long)rows * cols * DType.SizeInBytes(), null, MemoryCategory.Weights, "weights");
        var random = new Random(1);
        Span<float> row = new float[cols];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++) row[c] = (float)(random.NextDouble() - 0.5) * 0.1f;
            HalfPrecision.ConvertFromF32(row, DType, _weights.Slice((long)r * cols * DType.SizeInBytes(), cols * DType.SizeInBytes()));
        }
        _w = new WeightMatrix(_weights.Pointer, DType, rows, cols);
        _x = new NativeBuffer<float>((long)Tokens * cols, null, MemoryCategory.Scratch, "x");
        for (int i = 0; i < _x.Length; i++) _x.Pointer[i] = (float)random.NextDouble();
        _y = new NativeBuffer<float>((long)Tokens * rows, null, MemoryCategory.Scratch, "y");
        _pool = new ComputeThreadPool(Threads);
        _scratch = new NativeBuffer<float>(Compute.MatMul.ScratchFloats(_pool.ThreadCount, cols), null, MemoryCategory.Scratch, "scratch");
        bool packed = Layout == "Packed";
        if (Format == "Q8")
        {
            long bytes = packed ? Q8Panels.BytesFor(rows, cols) : Q8Quantizer.BytesFor(rows, cols);
            _q8 = new NativeBuffer<byte>(bytes, null, MemoryCategory.Weights, "q8");
            _w = packed ? Q8Panels.Quantize(_w, _q8.Pointer) : Q8Quantizer.Quantize(_w, _q8.Pointer);
            _xq = new NativeBuffer<byte>(Compute.MatMul.Q8ScratchBytes(Tokens, cols), null, MemoryCategory.Scratch, "xq");
        }
        else if (packed)
        {
            _packed = new NativeBuffer<byte>(PanelLayout.PackedBytes(rows, cols, DType.SizeInBytes()), null, MemoryCategory.Weights, "packed");
            PanelLayout.Pack(_weights.Pointer, rows, cols, DType.SizeInBytes(), _packed.Pointer, 0, PanelLayout.PanelsFor(rows));
            _w = new WeightMatrix(_packed.Pointer, _w.Format, rows, cols, null, packed: true);
            _packedInput = new NativeBuffer<float>(PanelLayout.PackedInputFloats(Tokens, cols), null, MemoryCategory.Scratch, "xp");
        }
        _matMul = new Compute.MatMul(_pool, _scratch.Pointer, cols, _xq is null ? null : _xq.Pointer, Tokens,
            packedInput: _packedInput is null ? null : _packedInput.Pointer, packedTokens: Tokens);
    }

    [Benchmark]
    public void Multiply() => _matMul.Run(_x.Pointer, _w.Cols, Tokens, _w, null, _y.Pointer, _w.Rows);

    [GlobalCleanup]
    public void Cleanup()
    {
        _pool.Dispose();
        _weights.Dispose();
        _x.Dispose();
        _y.Dispose();
        _scratch.Dispose();
        _q8?.Dispose();
        _xq?.Dispose();
        _packed?.Dispose();
        _packedInput?.Dispose();
    }
}
