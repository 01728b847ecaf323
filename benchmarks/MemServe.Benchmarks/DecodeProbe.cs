using System.Diagnostics;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- decode SHAPE DTYPE [tokens] [rounds] [batch] [ab|-] [context] [f32|bf16 KV]</c>: a bare runner, 2 threads.
/// <c>batch</c> sequences decode <c>tokens</c> steps each from an empty cache (one token per sequence per step);
/// <c>batch</c> = 0 instead runs one <c>tokens</c>-token prefill. With <c>ab</c>, rounds alternate
/// <see cref="DecodeSwitch.B"/> off and on so load hits both alike. <c>context</c> starts decode at that position
/// (the KV before it is filled with a constant), like sequences decoding after a prompt. Prints wall tok/s (median / best) and
/// process CPU milliseconds per token (median; robust to time lost to other processes, but counts spinning).
/// </summary>
internal static unsafe class DecodeProbe
{
    public static void Run(string[] args)
    {
        string shape = args.Length > 0 ? args[0] : "S";
        string dtypeText = args.Length > 1 ? args[1].ToUpperInvariant() : "BF16";
        int tokens = args.Length > 2 ? int.Parse(args[2]) : 64;
        int rounds = args.Length > 3 ? int.Parse(args[3]) : 7;
        int batch = args.Length > 4 ? int.Parse(args[4]) : 1;
        bool ab = args.Length > 5 && args[5] == "ab";
        int context = args.Length > 6 ? int.Parse(args[6]) : 0; // decode starts at this position (as after a prompt)
        DType kvType = args.Length > 7 && args[7] == "bf16" ? DType.BF16 : DType.F32;
        bool prefill = batch == 0;
        int sequences = Math.Max(1, batch);
        bool q8 = dtypeText == "Q8";
        ModelConfig config = ModelShapes.Get(shape);
        using var weights = RandomWeights.Create(config, q8 ? DType.BF16 : Enum.Parse<DType>(dtypeText));
        var options = new CpuRunnerOptions
        {
            Threads = 2, MaxBatchTokens = prefill ? tokens : Math.Max(16, sequences), MaxBatchSequences = sequences, QuantizeWeightsToQ8 = q8,
            KvCacheDType = kvType,
        };
        using var runner = new CpuModelRunner(config, weights, options);
        int blocksPer = runner.KvLayout.BlocksFor(context + tokens + 1);
        using var storage = new KvBlockStorage(runner.KvLayout, blocksPer * sequences, budget: null);
        var fb = new ForwardBatch(storage, Math.Max(tokens, sequences), sequences);
        // Touch every block so the context before `context` reads real pages (untouched memory is the shared zero page).
        for (int b = 0; b < storage.BlockCount; b++) storage.BlockSpan(b).Fill(0.01f); // any bits: finite as FP32 and as BF16
        var tables = new int[sequences][];
        for (int s = 0; s < sequences; s++) tables[s] = Enumerable.Range(s * blocksPer, blocksPer).ToArray();
        int[] prompt = Enumerable.Range(0, tokens).Select(i => (i * 31 + 5) % config.VocabSize).ToArray();
        var ids = new int[1];
        var wall = new[] { new List<double>(), new List<double>() };
        var cpu = new[] { new List<double>(), new List<double>() };
        var ratio = new List<double>();
        Process self = Process.GetCurrentProcess();
        for (int r = -1; r < rounds; r++)
        {
            double[] roundWall = new double[2];
            foreach (bool variant in ab ? new[] { false, true } : new[] { false })
            {
                DecodeSwitch.B = variant;
                self.Refresh();
                TimeSpan cpuStart = self.TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                int produced = prefill ? RunPrefill() : RunDecode();
                double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
                self.Refresh();
                double cpuMs = (self.TotalProcessorTime - cpuStart).TotalMilliseconds / produced;
                int k = variant ? 1 : 0;
                roundWall[k] = produced / seconds;
                if (r >= 0) { wall[k].Add(produced / seconds); cpu[k].Add(cpuMs); }
            }
            if (r >= 0 && ab) ratio.Add(roundWall[1] / roundWall[0]);
        }
        DecodeSwitch.B = false;
        string what = prefill ? $"prefill {tokens}" : $"decode {tokens} steps × {sequences} seq";
        Print("A", 0);
        if (ab)
        {
            Print("B", 1);
            ratio.Sort();
            Console.WriteLine($"  B/A wall tok/s, per-round median {ratio[ratio.Count / 2]:F3}");
        }

        int RunPrefill()
        {
            fb.Clear();
            fb.Add(prompt, 0, tables[0], needsLogits: true);
            runner.Forward(fb, LayerRange.All(config.NumLayers));
            return tokens;
        }

        int RunDecode()
        {
            for (int i = 0; i < tokens; i++)
            {
                fb.Clear();
                for (int s = 0; s < sequences; s++)
                {
                    ids[0] = (i * 31 + s * 7) % config.VocabSize;
                    fb.Add(ids, context + i, tables[s], needsLogits: true);
                }
                runner.Forward(fb, LayerRange.All(config.NumLayers));
            }
            return tokens * sequences;
        }

        void Print(string name, int k)
        {
            wall[k].Sort();
            cpu[k].Sort();
            Console.WriteLine($"{shape} {dtypeText} {what} {name}: median {wall[k][wall[k].Count / 2]:F1} best {wall[k][^1]:F1} tok/s, " +
                $"CPU {cpu[k][cpu[k].Count / 2]:F3} ms/token  ({string.Join(" ", wall[k].Select(x => x.ToString("F0")))})");
        }
    }
}
