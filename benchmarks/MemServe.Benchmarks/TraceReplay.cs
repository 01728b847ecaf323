using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MemServe.Memory;
using MemServe.Workload.Traces;

namespace MemServe.Benchmarks;

/// <summary>
/// Replays prompt streams through a real <see cref="MemPool"/> (no model: a one-float block layout, since
/// hit rate does not depend on block bytes) and compares its hit rate with an infinite cache under the same
/// rule (whole 16-token blocks, at least one prompt token computed). Each request matches, pins its match,
/// swaps it in, allocates blocks for its new full blocks (evicting when the device is full), inserts, and
/// lets go, as the engine does on admission and after prefill.
/// </summary>
internal static class TraceReplay
{
    private const int BlockTokens = 16;

    /// <summary>Mooncake trace: every hash id stands for 512 tokens; scaled down by <paramref name="scale"/>,
    /// so with scale 32 a hash id becomes one 16-token block of deterministic tokens (parsing and the id → token
    /// mapping are shared with the workload harness, <see cref="MooncakeTrace"/>).</summary>
    public static void Run(string path, int scale)
    {
        int tokensPerHash = MooncakeTrace.TraceBlockTokens / scale;
        var prompts = new List<int[]>();
        foreach (MooncakeRequest request in MooncakeTrace.Read(path))
            prompts.Add(MooncakeTrace.Prompt(request, tokensPerHash, int.MaxValue, vocabSize: 1 << 20));
        Console.WriteLine($"Mooncake trace replay: {prompts.Count} requests, scale 1/{scale} (one hash id = {tokensPerHash} tokens)");
        Report("mooncake", prompts, [1024, 4096, 16384, 65536, 262144], hostBlocks: 16384);
    }

    /// <summary>20 system prompts of 1,024 tokens, popularity ∝ 1/rank, each followed by a unique 200-token question.</summary>
    public static void RunShared()
    {
        var random = new Random(3);
        var systems = new int[20][];
        for (int s = 0; s < systems.Length; s++) systems[s] = Tokens(random, 1024);
        double[] weights = new double[systems.Length];
        double total = 0;
        for (int s = 0; s < weights.Length; s++) total += weights[s] = 1.0 / (s + 1);
        var prompts = new List<int[]>();
        for (int r = 0; r < 2000; r++)
        {
            double pick = random.NextDouble() * total;
            int s = 0;
            while (pick > weights[s] && s < weights.Length - 1) pick -= weights[s++];
            prompts.Add([.. systems[s], .. Tokens(random, 200)]);
        }
        Console.WriteLine("shared-prefix workload: 2000 requests, 20 system prompts of 1024 tokens (Zipf), 200-token questions");
        Report("shared_prefix", prompts, [256, 1024, 4096], hostBlocks: 1024);
    }

    private static int[] Tokens(Random random, int count)
    {
        var t = new int[count];
        for (int i = 0; i < count; i++) t[i] = random.Next(1 << 20);
        return t;
    }

    private static void Report(string workload, List<int[]> prompts, int[] deviceBlocks, int hostBlocks)
    {
        (long promptTokens, long optimum) = Infinite(prompts);
        Console.WriteLine("device blocks  host blocks  hit rate  optimum  evictions  replay ms");
        foreach (int device in deviceBlocks) Print(workload, prompts, device, 0, promptTokens, optimum);
        Print(workload, prompts, deviceBlocks[0], hostBlocks, promptTokens, optimum);
    }

    private static void Print(string workload, List<int[]> prompts, int device, int host, long promptTokens, long optimum)
    {
        var clock = Stopwatch.StartNew();
        (long hits, long evictions) = Replay(prompts, device, host);
        double rate = (double)hits / promptTokens, best = (double)optimum / promptTokens;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{device,13}  {host,11}  {rate,8:P1}  {best,7:P1}  {evictions,9}  {clock.ElapsedMilliseconds,9}"));
        Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "hit_rate", workload, device_blocks = device, host_blocks = host, hit_rate = rate, optimum = best }));
    }

    private static (long Hits, long Evictions) Replay(List<int[]> prompts, int deviceBlocks, int hostBlocks)
    {
        var layout = new KvCacheLayout(0, 1, 1, 1, BlockTokens);
        using var storage = new KvBlockStorage(layout, deviceBlocks, budget: null);
        using var pool = new MemPool(new KvBlockPool(storage), new PrefixCacheOptions { HostBytes = hostBlocks * layout.BlockBytes }, 1);
        long hits = 0;
        var fresh = new List<int>();
        var blocks = new int[4096];
        foreach (int[] prompt in prompts)
        {
            int full = Math.Min(prompt.Length / BlockTokens, deviceBlocks / 2);
            PrefixMatch match = pool.Match(prompt, Math.Min(full, (prompt.Length - 1) / BlockTokens));
            pool.Pin(match);
            if (!pool.SwapIn(match)) throw new InvalidOperationException("device too small for one request");
            hits += match.MatchedTokens;
            if (blocks.Length < full) blocks = new int[full * 2];
            for (int i = 0; i < match.BlockCount; i++) blocks[i] = match[i].BlockId;
            Span<int> added = blocks.AsSpan(match.BlockCount, full - match.BlockCount);
            if (!pool.TryAllocate(MemoryTier.Device, added)) throw new InvalidOperationException("device too small for one request");
            pool.Insert(prompt, blocks.AsSpan(0, full));
            pool.Free(MemoryTier.Device, added);
            pool.Unpin(match);
            fresh.Clear();
        }
        pool.CheckIntegrity();
        return (hits, pool.Counters.Evictions);
    }

    // Hit tokens of an unbounded cache under the same whole-block, one-token-computed rule.
    private static (long PromptTokens, long Hits) Infinite(List<int[]> prompts)
    {
        var seen = new HashSet<ulong>();
        long total = 0, hits = 0;
        foreach (int[] prompt in prompts)
        {
            total += prompt.Length;
            int limit = (prompt.Length - 1) / BlockTokens, full = prompt.Length / BlockTokens;
            ulong chain = 17;
            bool matching = true;
            for (int b = 0; b < full; b++)
            {
                chain = unchecked(chain * 0x9E3779B185EBCA87UL + Hash(prompt.AsSpan(b * BlockTokens, BlockTokens)));
                bool known = !seen.Add(chain);
                if (matching && known && b < limit) hits += BlockTokens;
                else matching = false;
            }
        }
        return (total, hits);
    }

    private static ulong Hash(ReadOnlySpan<int> tokens)
    {
        ulong h = 1469598103934665603UL;
        foreach (int t in tokens) h = unchecked((h ^ (uint)t) * 1099511628211UL);
        return h;
    }
}
