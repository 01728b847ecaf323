using System.Globalization;

namespace MemServe.Anchor;

/// <summary>
/// Command line: <c>--shape S|M|L</c> (tiny too), <c>--dtype f32|f16|bf16|q8</c>, <c>--rounds 3</c>,
/// <c>--threads 2</c>, <c>--interleave</c> (MemServe and LLamaSharp in alternating rounds), <c>--json</c>,
/// <c>--keep-gguf DIR</c>, <c>--self-check</c>; sizes as <c>memserve bench</c>: <c>--prompt 512</c>, <c>--gen 128</c>,
/// <c>--batch 16</c> (comma list; 0 for none), <c>--batch-prompt 128</c>, <c>--batch-gen 64</c>, <c>--runs 1</c>
/// (timed repetitions per round); <c>--memserve PATH</c> (memserve.dll), <c>--llama-avx avx512|avx2|avx|noavx</c>,
/// <c>--gguf FILE</c> (use an existing file instead of writing one), <c>--verbose</c> (llama.cpp's log),
/// <c>--max-load L</c>, <c>--min-idle F</c> (CPUs idle over 3 s), <c>--max-wait 600</c> (wait for a quieter host before each engine's round),
/// <c>--flash-attn auto|on|off</c> (llama.cpp's; default auto), <c>--kv-unified on|off</c> (default off).
/// </summary>
internal sealed class AnchorOptions
{
    public string Shape { get; private set; } = "S";
    public WeightFormat Format { get; private set; } = WeightFormat.Parse("bf16");
    public int Rounds { get; private set; } = 3;
    public bool Interleave { get; private set; }
    public bool Json { get; private set; }
    public bool SelfCheck { get; private set; }
    public bool Verbose { get; private set; }
    public string? KeepGgufDir { get; private set; }
    public string? GgufPath { get; private set; }
    public string? MemServeDll { get; private set; }
    public string? LlamaAvx { get; private set; }
    /// <summary>Before each engine's round, wait (up to <see cref="MaxWaitSeconds"/>) for the 1-minute load average to fall to this.</summary>
    public double? MaxLoad { get; private set; }
    public int MaxWaitSeconds { get; private set; } = 600;
    /// <summary>Before each engine's round, wait (up to <see cref="MaxWaitSeconds"/>) until the CPUs were this idle for 3 s.</summary>
    public double? MinIdle { get; private set; }
    /// <summary>llama.cpp's flash attention: null = its default (auto).</summary>
    public bool? FlashAttention { get; private set; }
    /// <summary>llama.cpp's unified KV buffer across sequences (default off: one per sequence).</summary>
    public bool KvUnified { get; private set; }
    public BenchPlan Plan { get; private set; } = new(2, 512, 128, [16], 128, 64, 1);

    public static AnchorOptions Parse(string[] args)
    {
        var o = new AnchorOptions();
        int threads = 2, prompt = 512, gen = 128, batchPrompt = 128, batchGen = 64, runs = 1;
        int[] batches = [16];
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Value(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--shape": o.Shape = Value(); break;
                case "--dtype": o.Format = WeightFormat.Parse(Value()); break;
                case "--rounds": o.Rounds = Int(); break;
                case "--threads": threads = Int(); break;
                case "--prompt": prompt = Int(); break;
                case "--gen": gen = Int(); break;
                case "--runs": runs = Int(); break;
                case "--batch": batches = [.. Value().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Where(b => b > 0)]; break;
                case "--batch-prompt": batchPrompt = Int(); break;
                case "--batch-gen": batchGen = Int(); break;
                case "--interleave": o.Interleave = true; break;
                case "--json": o.Json = true; break;
                case "--self-check": o.SelfCheck = true; break;
                case "--verbose": o.Verbose = true; break;
                case "--keep-gguf": o.KeepGgufDir = Value(); break;
                case "--gguf": o.GgufPath = Value(); break;
                case "--memserve": o.MemServeDll = Value(); break;
                case "--llama-avx": o.LlamaAvx = Value(); break;
                case "--max-load": o.MaxLoad = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--max-wait": o.MaxWaitSeconds = Int(); break;
                case "--min-idle": o.MinIdle = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--kv-unified":
                    o.KvUnified = Value() switch
                    {
                        "on" => true,
                        "off" => false,
                        string v => throw new ArgumentException($"--kv-unified must be on or off, got '{v}'"),
                    };
                    break;
                case "--flash-attn":
                    o.FlashAttention = Value() switch
                    {
                        "on" => true,
                        "off" => false,
                        "auto" => null,
                        string v => throw new ArgumentException($"--flash-attn must be on, off or auto, got '{v}'"),
                    };
                    break;
                case "--help" or "-h": throw new ArgumentException(Usage);
                default: throw new ArgumentException($"unknown option '{args[i]}'\n{Usage}");
            }
        }
        if (o.Rounds < 1 || threads < 1 || prompt < 1 || gen < 1 || runs < 1 || batchPrompt < 1 || batchGen < 2)
            throw new ArgumentException("--rounds, --threads, --prompt, --gen, --runs, --batch-prompt must be positive, --batch-gen at least 2");
        if (prompt > 512) throw new ArgumentException("--prompt is one llama.cpp batch here: at most 512");
        o.Plan = new BenchPlan(threads, prompt, gen, batches, batchPrompt, batchGen, runs);
        return o;
    }

    public const string Usage =
        "usage: memserve-anchor --shape S|M|L --dtype f32|f16|bf16|q8 [--rounds 3] [--threads 2] [--interleave] [--json] [--keep-gguf DIR]\n" +
        "       [--prompt 512] [--gen 128] [--batch 16] [--batch-prompt 128] [--batch-gen 64] [--runs 1] [--memserve memserve.dll]\n" +
        "       [--llama-avx avx512|avx2|avx|noavx] [--gguf FILE] [--verbose] [--max-load L] [--min-idle 0.9] [--max-wait 600]\n" +
        "       [--flash-attn auto|on|off] [--kv-unified on|off]\n" +
        "       memserve-anchor --self-check";
}
