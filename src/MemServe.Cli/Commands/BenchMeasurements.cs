using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MemServe.Compute;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;
using MemServe.Sampling;

namespace MemServe.Cli.Commands;

/// <summary>
/// The measurements of <c>memserve bench</c>: prefill and single-sequence decode on a bare runner (like
/// llama-bench's pp/tg), batched decode through the engine, and the machine's read bandwidth with the same
/// thread count. Each returns the median of <c>runs</c> timed repetitions after one warm-up.
/// </summary>
internal static class BenchMeasurements
{
    /// <summary>Tokens per second of one <paramref name="promptTokens"/>-token prefill (logits for the last token only).</summary>
    public static unsafe double Prefill(CpuModelRunner runner, int promptTokens, int runs)
    {
        int[] prompt = RandomTokens(promptTokens, runner.Config.VocabSize, 1);
        using var storage = new KvBlockStorage(runner.KvLayout, runner.KvLayout.BlocksFor(promptTokens) + 1, budget: null);
        var batch = new ForwardBatch(storage, promptTokens, 1);
        int[] blocks = Enumerable.Range(0, storage.BlockCount).ToArray();
        var seconds = new double[runs];
        for (int r = -1; r < runs; r++)
        {
            batch.Clear();
            batch.Add(prompt, 0, blocks, needsLogits: true);
            long start = Stopwatch.GetTimestamp();
            runner.Forward(batch, LayerRange.All(runner.Config.NumLayers));
            if (r >= 0) seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return promptTokens / Median(seconds);
    }

    /// <summary>Tokens per second decoding <paramref name="genTokens"/> tokens one at a time from an empty cache.</summary>
    public static unsafe double Decode(CpuModelRunner runner, int genTokens, int runs)
    {
        int[] tokens = RandomTokens(genTokens, runner.Config.VocabSize, 2);
        using var storage = new KvBlockStorage(runner.KvLayout, runner.KvLayout.BlocksFor(genTokens) + 1, budget: null);
        var batch = new ForwardBatch(storage, 1, 1);
        int[] blocks = Enumerable.Range(0, storage.BlockCount).ToArray();
        var seconds = new double[runs];
        for (int r = -1; r < runs; r++)
        {
            int steps = r < 0 ? Math.Min(genTokens, 8) : genTokens;
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < steps; i++)
            {
                batch.Clear();
                batch.Add(tokens.AsSpan(i, 1), i, blocks, needsLogits: true);
                runner.Forward(batch, LayerRange.All(runner.Config.NumLayers));
            }
            if (r >= 0) seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
        return genTokens / Median(seconds);
    }

    /// <summary>Total decode tokens per second over <paramref name="sequences"/> concurrent greedy requests
    /// (each a <paramref name="promptTokens"/>-token prompt and <paramref name="genTokens"/> new tokens), counted
    /// only while all of them are decoding: from the last first token to the first finish.</summary>
    public static double BatchedDecode(LlmEngine engine, int vocab, int sequences, int promptTokens, int genTokens, int timeoutSeconds = 900)
    {
        var stamps = new List<long>[sequences];
        var tasks = new Task[sequences];
        for (int s = 0; s < sequences; s++)
        {
            var request = new GenerationRequest
            {
                PromptTokenIds = RandomTokens(promptTokens, vocab, 100 + s),
                MaxTokens = genTokens,
                IgnoreEos = true,
                Sampling = SamplingParameters.Greedy,
            };
            var list = stamps[s] = new List<long>(genTokens);
            tasks[s] = Task.Run(() => Consume(engine, request, list));
        }
        // A guard so a stuck run reports instead of hanging the benchmark (seen once under heavy load; see docs/performance.md).
        if (!Task.WaitAll(tasks, TimeSpan.FromSeconds(timeoutSeconds))) return -1;
        long windowStart = long.MinValue, windowEnd = long.MaxValue, first = long.MaxValue, last = long.MinValue;
        int after = 0;
        foreach (List<long> l in stamps)
        {
            windowStart = Math.Max(windowStart, l[0]);
            windowEnd = Math.Min(windowEnd, l[^1]);
            first = Math.Min(first, l[0]);
            last = Math.Max(last, l[^1]);
            after += l.Count - 1;
        }
        int counted = 0;
        foreach (List<long> l in stamps)
        {
            foreach (long t in l) if (t > windowStart && t <= windowEnd) counted++;
        }
        // No common window (a sequence finished before another started): all tokens after each first token.
        if (counted == 0 || windowEnd <= windowStart) (counted, windowStart, windowEnd) = (after, first, last);
        double seconds = Stopwatch.GetElapsedTime(windowStart, windowEnd).TotalSeconds;
        return seconds > 0 ? counted / seconds : 0;
    }

    private static async Task Consume(LlmEngine engine, GenerationRequest request, List<long> stamps)
    {
        await foreach (GenerationUpdate _ in engine.GenerateAsync(request)) stamps.Add(Stopwatch.GetTimestamp());
    }

    /// <summary>Read bandwidth (bytes per second, median of <paramref name="runs"/>) summing a fresh
    /// <paramref name="bytes"/>-byte array with <paramref name="threads"/> threads.</summary>
    public static unsafe double ReadBandwidth(long bytes, int threads, int runs)
    {
        using var buffer = new NativeBuffer<byte>(bytes, null, MemoryCategory.Scratch, "bandwidth probe");
        for (long o = 0; o < bytes; o += int.MaxValue) new Span<byte>(buffer.Pointer + o, (int)Math.Min(int.MaxValue, bytes - o)).Fill(1);
        return ReadRegionsBandwidth([((nint)buffer.Pointer, bytes)], threads, runs);
    }

    /// <summary>Read bandwidth (bytes per second, median of <paramref name="runs"/>) of <paramref name="regions"/> —
    /// the pages a decode step streams — summed as integers (any bit pattern) with <paramref name="threads"/> threads in
    /// 1 MiB pieces. The host's bandwidth depends on where pages sit, so this is the roofline for those weights.</summary>
    public static unsafe double ReadRegionsBandwidth(IReadOnlyList<(nint Start, long Bytes)> regions, int threads, int runs)
    {
        const long Piece = 1 << 20;
        var pieces = new List<(nint Start, long Bytes)>();
        long total = 0;
        foreach (var (start, bytes) in regions)
        {
            for (long o = 0; o < bytes; o += Piece) pieces.Add((start + (nint)o, Math.Min(Piece, bytes - o)));
            total += bytes;
        }
        var array = pieces.ToArray();
        using var pool = new ComputeThreadPool(threads);
        var seconds = new double[runs];
        fixed ((nint Start, long Bytes)* p = array)
        {
            var job = new RegionJob { Pieces = p };
            for (int r = -1; r < runs; r++)
            {
                long start = Stopwatch.GetTimestamp();
                pool.Run(&RegionBody, &job, array.Length, 1);
                if (r >= 0) seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
        }
        return total / Median(seconds);
    }

    private static unsafe void RegionBody(void* context, int begin, int end, int thread)
    {
        var job = (RegionJob*)context;
        Vector512<uint> a = default, b = default, c = default, d = default;
        for (int k = begin; k < end; k++)
        {
            byte* p = (byte*)job->Pieces[k].Start;
            long bytes = job->Pieces[k].Bytes, i = 0;
            for (; i + 256 <= bytes; i += 256)
            {
                // Software prefetch 4 KiB ahead, as the decode kernels do: without it the probe read slower than decode.
                byte* ahead = p + i + 4096;
                Sse.Prefetch0(ahead); Sse.Prefetch0(ahead + 64); Sse.Prefetch0(ahead + 128); Sse.Prefetch0(ahead + 192);
                a += Vector512.Load((uint*)(p + i)); b += Vector512.Load((uint*)(p + i + 64));
                c += Vector512.Load((uint*)(p + i + 128)); d += Vector512.Load((uint*)(p + i + 192));
            }
            for (; i < bytes; i++) a += Vector512.CreateScalar((uint)p[i]);
        }
        Interlocked.Add(ref job->Sink, (long)Vector512.Sum(a + b + c + d)); // keeps the loads alive
    }

    private unsafe struct RegionJob
    {
        public (nint Start, long Bytes)* Pieces;
        public long Sink;
    }

    private static int[] RandomTokens(int count, int vocab, int seed)
    {
        var random = new Random(seed);
        var ids = new int[count];
        for (int i = 0; i < count; i++) ids[i] = random.Next(vocab);
        return ids;
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        return sorted[sorted.Length / 2];
    }
}
