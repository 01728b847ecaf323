using MemServe.Compute;
using MemServe.Memory;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- attn [tokens] [heads] [kvHeads] [rounds]</c>: one layer's prefill attention of
/// one <c>tokens</c>-token prompt (head_dim 64, 16-token blocks), one thread, tiled <see cref="PagedAttention"/> vs
/// <see cref="PagedAttentionScalar"/> (and tiled with <see cref="DecodeSwitch.B"/>) in interleaved rounds, timed in thread CPU time; µs per call, median.
/// </summary>
internal static unsafe class AttentionProbe
{
    public static void Run(string[] args)
    {
        // Kernels JIT-compiled before CpuKernels is initialized read its path as memory, not a constant.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(CpuKernels).TypeHandle);
        int tokens = args.Length > 0 ? int.Parse(args[0]) : 512;
        int heads = args.Length > 1 ? int.Parse(args[1]) : 9, kvHeads = args.Length > 2 ? int.Parse(args[2]) : 3;
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 7;
        const int HeadDim = 64, BlockTokens = 16;
        var layout = new KvCacheLayout(0, 1, kvHeads, HeadDim, BlockTokens);
        int blocks = layout.BlocksFor(tokens);
        using var arena = new NativeBuffer<float>(layout.BlockFloats * blocks, null, MemoryCategory.KvCache, "kv");
        var random = new Random(2);
        for (long i = 0; i < arena.Length; i++) arena.Pointer[i] = (float)(random.NextDouble() - 0.5);
        using var q = new NativeBuffer<float>((long)tokens * heads * HeadDim, null, MemoryCategory.Scratch, "q");
        for (long i = 0; i < q.Length; i++) q.Pointer[i] = (float)(random.NextDouble() - 0.5);
        using var output = new NativeBuffer<float>((long)tokens * heads * HeadDim, null, MemoryCategory.Scratch, "out");
        using var pool = new ComputeThreadPool(1);
        int ws = PagedAttention.WorkspaceFloats(heads / kvHeads, HeadDim, BlockTokens);
        using var workspace = new NativeBuffer<float>(ws, null, MemoryCategory.Scratch, "ws");
        int[] positions = Enumerable.Range(0, tokens).ToArray(), tokenBlocks = new int[tokens], blockIds = Enumerable.Range(0, blocks).ToArray();
        var tiled = new List<double>();
        var scalar = new List<double>();
        var switched = new List<double>();
        fixed (int* pp = positions, ptb = tokenBlocks, pb = blockIds)
        {
            var a = new AttentionArgs
            {
                Q = q.Pointer, Out = output.Pointer, Tokens = tokens, NumHeads = heads, NumKvHeads = kvHeads, HeadDim = HeadDim,
                Scale = 0.125f, Positions = pp, TokenBlocks = ptb, BlockIds = pb, Arena = arena.Pointer, BlockFloats = layout.BlockFloats,
                KOffset = layout.Offset(0, false, 0, 0), VOffset = layout.Offset(0, true, 0, 0), HeadStride = BlockTokens * HeadDim,
                BlockTokens = BlockTokens, Workspace = workspace.Pointer, WorkspaceFloats = ws,
            };
            // Warm-up: two seconds, so the scalar reference's span helpers reach Tier1 (left at Tier0 they make it several
            // times slower, and the ratio bimodal from run to run).
            for (var warmUp = System.Diagnostics.Stopwatch.StartNew(); warmUp.Elapsed.TotalSeconds < 2;)
            {
                PagedAttention.Run(pool, ref a);
                PagedAttentionScalar.Run(pool, ref a);
            }
            for (int r = -1; r < rounds; r++)
            {
                double start = ThreadCpuTime.Seconds();
                PagedAttention.Run(pool, ref a);
                double t1 = ThreadCpuTime.Seconds();
                PagedAttentionScalar.Run(pool, ref a);
                double t2 = ThreadCpuTime.Seconds();
                DecodeSwitch.B = true;
                PagedAttention.Run(pool, ref a);
                DecodeSwitch.B = false;
                double t3 = ThreadCpuTime.Seconds();
                if (r >= 0) { tiled.Add((t1 - start) * 1e6); scalar.Add((t2 - t1) * 1e6); switched.Add((t3 - t2) * 1e6); }
            }
        }
        tiled.Sort();
        scalar.Sort();
        switched.Sort();
        Console.WriteLine($"attention prefill {tokens} tokens, {heads}/{kvHeads} heads, 1 thread CPU: tiled {tiled[rounds / 2]:F0} us " +
            $"(with DecodeSwitch.B {switched[rounds / 2]:F0} us), scalar {scalar[rounds / 2]:F0} us per layer");
    }
}
