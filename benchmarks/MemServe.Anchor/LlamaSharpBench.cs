using System.Diagnostics;
using LLama;
using LLama.Common;
using LLama.Native;

namespace MemServe.Anchor;

/// <summary>
/// The llama.cpp side through LLamaSharp's low-level API: one GGUF loaded once, a single-sequence context
/// (prefill, decode) and one context per batch size (sequences decoded together), each round clearing the
/// KV cache first. Feeds random token ids; times <c>Decode</c> calls only.
/// </summary>
internal sealed class LlamaSharpBench : IDisposable
{
    private const int MaxBatchTokens = 512;
    private readonly BenchPlan _plan;
    private readonly int _vocab;
    private readonly LLamaWeights _weights;
    private readonly LLamaContext _single;
    private readonly Dictionary<int, LLamaContext> _batched = [];

    /// <param name="flashAttention">llama.cpp's flash attention: null leaves its default (auto: on where the backend has it).</param>
    /// <param name="kvUnified">One KV buffer shared by all sequences (LLamaSharp's default) or one per sequence (llama.cpp's
    /// tools' default, faster for sequences that share no prefix: each attends over its own cells only).</param>
    public LlamaSharpBench(string ggufPath, BenchPlan plan, int vocab, bool? flashAttention = null, bool kvUnified = false)
    {
        _plan = plan;
        _vocab = vocab;
        ModelParams single = Params(ggufPath, plan, RoundUp(Math.Max(plan.PromptTokens, plan.GenTokens), 256), 1, flashAttention, kvUnified);
        _weights = LLamaWeights.LoadFromFile(single);
        _single = _weights.CreateContext(single);
        foreach (int b in plan.Batches)
        {
            int contextTokens = RoundUp(b * (plan.BatchPromptTokens + plan.BatchGenTokens + 16), 256);
            _batched[b] = _weights.CreateContext(Params(ggufPath, plan, contextTokens, b, flashAttention, kvUnified));
        }
    }

    /// <summary>llama.cpp's KV cache type (LLamaSharp's default, F16).</summary>
    public static string KvDType => "f16";

    public long WeightsBytes => (long)_weights.SizeInBytes;

    public BenchSample RunRound(int round)
    {
        double load = LoadAverage.OneMinute();
        double prefill = Prefill();
        double decode = Decode();
        var batched = new List<(int, double)>();
        foreach (int b in _plan.Batches) batched.Add((b, BatchedDecode(_batched[b], b)));
        return new BenchSample("llamasharp", round, load, prefill, decode, batched, WeightsBytes, KvDType,
            Process.GetCurrentProcess().PeakWorkingSet64);
    }

    /// <summary>Whether the logits of the last single-sequence decode are all finite (a sanity check of the weights).</summary>
    public bool LastLogitsFinite()
    {
        foreach (float v in _single.NativeHandle.GetLogits(1)) if (!float.IsFinite(v)) return false;
        return true;
    }

    public void Dispose()
    {
        foreach (LLamaContext c in _batched.Values) c.Dispose();
        _single.Dispose();
        _weights.Dispose();
    }

    private double Prefill()
    {
        int[] prompt = RandomTokens(_plan.PromptTokens, 1);
        var batch = new LLamaBatch();
        var seconds = new double[_plan.Runs];
        for (int r = -1; r < _plan.Runs; r++)
        {
            _single.NativeHandle.MemoryClear(true);
            batch.Clear();
            for (int i = 0; i < prompt.Length; i++) batch.Add(prompt[i], i, LLamaSeqId.Zero, i == prompt.Length - 1);
            long start = Stopwatch.GetTimestamp();
            DecodeOrThrow(_single, batch);
            if (r >= 0) seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return _plan.PromptTokens / Stats.Of(seconds).Median;
    }

    private double Decode()
    {
        int[] tokens = RandomTokens(_plan.GenTokens, 2);
        var batch = new LLamaBatch();
        var seconds = new double[_plan.Runs];
        for (int r = -1; r < _plan.Runs; r++)
        {
            _single.NativeHandle.MemoryClear(true);
            int steps = r < 0 ? Math.Min(_plan.GenTokens, 8) : _plan.GenTokens;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++)
            {
                batch.Clear();
                batch.Add(tokens[i], i, LLamaSeqId.Zero, true);
                DecodeOrThrow(_single, batch);
            }
            if (r >= 0) seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return _plan.GenTokens / Stats.Of(seconds).Median;
    }

    /// <summary>Total tok/s of <paramref name="sequences"/> sequences stepping together: each gets its prompt (in
    /// batches of up to 512 tokens, untimed), then <see cref="BenchPlan.BatchGenTokens"/> timed steps of one token
    /// per sequence, logits for every sequence.</summary>
    private double BatchedDecode(LLamaContext context, int sequences)
    {
        var seconds = new double[_plan.Runs];
        for (int r = -1; r < _plan.Runs; r++)
        {
            int prompt = r < 0 ? 8 : _plan.BatchPromptTokens, steps = r < 0 ? 2 : _plan.BatchGenTokens;
            context.NativeHandle.MemoryClear(true);
            var batch = new LLamaBatch();
            for (int s = 0; s < sequences; s++)
            {
                int[] tokens = RandomTokens(prompt, 100 + s);
                if (batch.TokenCount + prompt > MaxBatchTokens) { DecodeOrThrow(context, batch); batch.Clear(); }
                for (int i = 0; i < prompt; i++) batch.Add(tokens[i], i, (LLamaSeqId)s, i == prompt - 1);
            }
            DecodeOrThrow(context, batch);
            int[] next = RandomTokens(sequences * steps, 7);
            long start = Stopwatch.GetTimestamp();
            for (int step = 0; step < steps; step++)
            {
                batch.Clear();
                for (int s = 0; s < sequences; s++) batch.Add(next[step * sequences + s], prompt + step, (LLamaSeqId)s, true);
                DecodeOrThrow(context, batch);
            }
            if (r >= 0) seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return (double)sequences * _plan.BatchGenTokens / Stats.Of(seconds).Median;
    }

    private static void DecodeOrThrow(LLamaContext context, LLamaBatch batch)
    {
        DecodeResult result = context.Decode(batch);
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {result}");
        context.NativeHandle.Synchronize();
    }

    private static ModelParams Params(string path, BenchPlan plan, int contextTokens, int sequences, bool? flashAttention, bool kvUnified) => new(path)
    {
        FlashAttention = flashAttention,
        KVUnified = kvUnified,
        ContextSize = (uint)contextTokens,
        BatchSize = MaxBatchTokens,
        UBatchSize = MaxBatchTokens,
        SeqMax = (uint)sequences,
        Threads = plan.Threads,
        BatchThreads = plan.Threads,
        GpuLayerCount = 0,
    };

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private int[] RandomTokens(int count, int seed)
    {
        var random = new Random(seed);
        var ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = random.Next(_vocab);
        return ids;
    }
}
