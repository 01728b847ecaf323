using System.Diagnostics;
using MemServe.Compute;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Runner;

namespace MemServe.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release -- decode SHAPE DTYPE [tokens] [rounds] [batch]</c>: single-runner decode tok/s
/// (tokens one at a time from an empty cache, or <c>batch</c> sequences per step), repeated rounds; with
/// <c>ab</c> as the last argument, rounds alternate <see cref="DecodeSwitch.B"/> off and on so load hits both
/// alike. Prints median and best of each.
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
        bool q8 = dtypeText == "Q8";
        ModelConfig config = ModelShapes.Get(shape);
        using var weights = RandomWeights.Create(config, q8 ? DType.BF16 : Enum.Parse<DType>(dtypeText));
        var options = new CpuRunnerOptions { Threads = 2, MaxBatchTokens = Math.Max(16, batch), MaxBatchSequences = batch, QuantizeWeightsToQ8 = q8 };
        using var runner = new CpuModelRunner(config, weights, options);
        int blocksPer = runner.KvLayout.BlocksFor(tokens + 1);
        using var storage = new KvBlockStorage(runner.KvLayout, blocksPer * batch, budget: null);
        var fb = new ForwardBatch(storage, batch, batch);
        var tables = new int[batch][];
        for (int s = 0; s < batch; s++) tables[s] = Enumerable.Range(s * blocksPer, blocksPer).ToArray();
        var ids = new int[batch];
        var a = new List<double>();
        var b = new List<double>();
        for (int r = -1; r < rounds; r++)
        {
            foreach (bool variant in ab ? new[] { false, true } : new[] { false })
            {
                if (ab) DecodeSwitch.B = variant;
                long start = Stopwatch.GetTimestamp();
                for (int i = 0; i < tokens; i++)
                {
                    fb.Clear();
                    for (int s = 0; s < batch; s++)
                    {
                        ids[0] = (i * 31 + s * 7) % config.VocabSize;
                        fb.Add(ids.AsSpan(0, 1), i, tables[s], needsLogits: true);
                    }
                    runner.Forward(fb, LayerRange.All(config.NumLayers));
                }
                double tokS = tokens * batch / Stopwatch.GetElapsedTime(start).TotalSeconds;
                if (r >= 0) (variant ? b : a).Add(tokS);
            }
        }
        DecodeSwitch.B = false;
        Print("A", a);
        if (ab) Print("B", b);

        void Print(string name, List<double> v)
        {
            v.Sort();
            Console.WriteLine($"{shape} {dtypeText} batch {batch} {name}: median {v[v.Count / 2]:F1} best {v[^1]:F1} tok/s ({string.Join(" ", v.Select(x => x.ToString("F0")))})");
        }
    }
}
