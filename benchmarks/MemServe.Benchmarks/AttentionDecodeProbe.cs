using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- attn-decode [context] [heads] [kvHeads] [seqs] [rounds] [f32|bf16] [all|process]</c>: one layer's decode
/// attention of <c>seqs</c> sequences of <c>context</c> cached tokens, one new token each (head_dim 64, 16-token blocks,
/// blocks interleaved across sequences), one thread. Every kernel path this CPU supports (<see cref="CpuKernels"/>;
/// the process path first; only that one with <c>process</c>) and <see cref="PagedAttentionScalar"/>, in interleaved rounds timed in thread CPU time;
/// µs per call (median) and the ratio to the scalar reference.
/// </summary>
internal static unsafe class AttentionDecodeProbe
{
    public static void Run(string[] args)
    {
        // Kernels JIT-compiled before CpuKernels is initialized read its path as memory, not a constant.
        System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(typeof(CpuKernels).TypeHandle);
        int context = args.Length > 0 ? int.Parse(args[0]) : 1024;
        int heads = args.Length > 1 ? int.Parse(args[1]) : 9, kvHeads = args.Length > 2 ? int.Parse(args[2]) : 3;
        int seqs = args.Length > 3 ? int.Parse(args[3]) : 8, rounds = args.Length > 4 ? int.Parse(args[4]) : 15;
        DType kvType = args.Length > 5 && args[5] == "bf16" ? DType.BF16 : DType.F32;
        bool processPathOnly = args.Length > 6 && args[6] == "process"; // only the process path and the scalar reference
        const int HeadDim = 64, BlockTokens = 16;
        var layout = new KvCacheLayout(0, 1, kvHeads, HeadDim, BlockTokens, kvType);
        int perSequence = layout.BlocksFor(context + 1);
        using var arena = new NativeBuffer<float>(layout.BlockFloats * perSequence * seqs, null, MemoryCategory.KvCache, "kv");
        var random = new Random(2);
        if (kvType == DType.BF16)
        {
            for (long i = 0; i < arena.Length * 2; i++) ((ushort*)arena.Pointer)[i] = HalfPrecision.FloatToBF16((float)(random.NextDouble() - 0.5));
        }
        else
        {
            for (long i = 0; i < arena.Length; i++) arena.Pointer[i] = (float)(random.NextDouble() - 0.5);
        }
        using var q = new NativeBuffer<float>((long)seqs * heads * HeadDim, null, MemoryCategory.Scratch, "q");
        for (long i = 0; i < q.Length; i++) q.Pointer[i] = (float)(random.NextDouble() - 0.5);
        using var output = new NativeBuffer<float>((long)seqs * heads * HeadDim, null, MemoryCategory.Scratch, "out");
        using var pool = new ComputeThreadPool(1);
        int ws = PagedAttention.WorkspaceFloats(heads / kvHeads, HeadDim, BlockTokens);
        using var workspace = new NativeBuffer<float>(ws, null, MemoryCategory.Scratch, "ws");
        var positions = new int[seqs];
        var tokenBlocks = new int[seqs];
        var blockIds = new int[perSequence * seqs];
        for (int s = 0; s < seqs; s++)
        {
            positions[s] = context;
            tokenBlocks[s] = s * perSequence;
            for (int b = 0; b < perSequence; b++) blockIds[s * perSequence + b] = b * seqs + s;
        }
        var paths = new List<CpuKernelPath> { CpuKernels.Path };
        foreach (CpuKernelPath p in new[] { CpuKernelPath.Avx512, CpuKernelPath.Avx2, CpuKernelPath.Portable })
        {
            if (p != CpuKernels.Path && CpuKernels.Supports(p) && !processPathOnly) paths.Add(p);
        }
        var times = new List<double>[paths.Count + 1];
        for (int i = 0; i < times.Length; i++) times[i] = new List<double>();
        fixed (int* pp = positions, ptb = tokenBlocks, pb = blockIds)
        {
            var a = new AttentionArgs
            {
                Q = q.Pointer, Out = output.Pointer, Tokens = seqs, NumHeads = heads, NumKvHeads = kvHeads, HeadDim = HeadDim,
                Scale = 0.125f, Positions = pp, TokenBlocks = ptb, BlockIds = pb, Arena = arena.Pointer, BlockFloats = layout.BlockFloats,
                KOffset = layout.Offset(0, false, 0, 0), VOffset = layout.Offset(0, true, 0, 0), HeadStride = BlockTokens * HeadDim,
                BlockTokens = BlockTokens, KvElementBytes = layout.ElementBytes, Workspace = workspace.Pointer, WorkspaceFloats = ws,
            };
            // Warm-up: at least five rounds and two seconds, so the scalar reference's span helpers reach Tier1 (left at
            // Tier0, they make it up to 4x slower, and the ratio bimodal from run to run).
            var warmUp = System.Diagnostics.Stopwatch.StartNew();
            int warmRounds = 0;
            while (warmRounds < 5 || warmUp.Elapsed.TotalSeconds < 2)
            {
                for (int i = 0; i < paths.Count; i++) PagedAttention.Run(pool, ref a, paths[i]);
                PagedAttentionScalar.Run(pool, ref a);
                warmRounds++;
            }
            for (int r = 0; r < rounds; r++)
            {
                for (int i = 0; i <= paths.Count; i++)
                {
                    double start = ThreadCpuTime.Seconds();
                    if (i < paths.Count) PagedAttention.Run(pool, ref a, paths[i]);
                    else PagedAttentionScalar.Run(pool, ref a);
                    double elapsed = ThreadCpuTime.Seconds() - start;
                    times[i].Add(elapsed * 1e6);
                }
            }
        }
        foreach (var t in times) t.Sort();
        double scalar = times[paths.Count][rounds / 2];
        Console.WriteLine($"attention decode: {seqs} seqs x {context} cached tokens, {heads}/{kvHeads} heads, {kvType} KV, 1 thread CPU, " +
            $"process path {CpuKernels.Description}; median of {rounds} interleaved rounds");
        for (int i = 0; i < paths.Count; i++)
        {
            double us = times[i][rounds / 2];
            Console.WriteLine($"  {CpuKernels.NameOf(paths[i]),-8} {us,9:F1} us   {scalar / us,5:F2}x scalar");
        }
        Console.WriteLine($"  {"scalar",-8} {scalar,9:F1} us");
    }
}
