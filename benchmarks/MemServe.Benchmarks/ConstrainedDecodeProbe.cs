using System.Diagnostics;
using System.Globalization;
using MemServe.Constraints;
using MemServe.Engine;
using MemServe.Model;
using MemServe.Sampling;
using MemServe.Tokenization;

namespace MemServe.Benchmarks;

/// <summary>
/// End-to-end decode speed with an output constraint against the same requests without one, on the embedded default
/// model: rounds interleave the two (free, constrained, free, ...) so host noise hits both; each figure is output
/// tokens after the first over the time after the first token, one sequence at a time. Prints per-round tok/s, the
/// median ratio and the load average. Usage: <c>constrained-decode [rounds] [tokens]</c>.
/// </summary>
internal static class ConstrainedDecodeProbe
{
    // A schema with free strings and numbers, so the output keeps going until max tokens: decode speed, not grammar size.
    private const string Schema = """
        {"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"},"tags":{"type":"array","items":{"type":"string"}},
         "address":{"type":"object","properties":{"street":{"type":"string"},"city":{"type":"string"}},"required":["street","city"]}},
         "required":["name","age","tags","address"]}
        """;

    public static void Run(string[] args)
    {
        int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        int tokens = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 128;
        Tokenizer tokenizer = Tokenizer.FromJson(DefaultModel.TokenizerJson, DefaultModel.TokenizerConfigJson);
        LlmEngine engine = LlmEngine.Create(DefaultModel.Config, DefaultModel.CreateWeights(), tokenizer, new LlmEngineOptions
        {
            MemoryBudgetBytes = 512L << 20, OwnsWeights = true, ModelName = DefaultModel.Name,
            PrefixCache = new Memory.PrefixCacheOptions { Enabled = false },
        });
        OutputConstraint schema = OutputConstraint.FromJsonSchema(Schema);
        Console.WriteLine($"constrained decode, default model, {tokens} tokens, path {Compute.CpuKernels.Name}, vocab {tokenizer.VocabSize}");
        Measure(engine, null, tokens, seed: 0); // warm-up: JIT, vocabulary trie
        Measure(engine, schema, tokens, seed: 0);
        var ratios = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            double free = Measure(engine, null, tokens, round);
            double constrained = Measure(engine, schema, tokens, round);
            ratios.Add(constrained / free);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: free {free:F1} tok/s, json_schema {constrained:F1} tok/s, ratio {constrained / free:F3}, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        }
        ratios.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"median ratio {ratios[ratios.Count / 2]:F3}"));
        engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    // Decode tok/s of one request (temperature 1, seeded): tokens after the first over the time after the first.
    private static double Measure(LlmEngine engine, OutputConstraint? constraint, int tokens, int seed)
    {
        var request = new GenerationRequest
        {
            Prompt = "A person record:",
            MaxTokens = tokens,
            IgnoreEos = constraint is null,
            Constraint = constraint,
            Sampling = new SamplingParameters { Temperature = 1f, Seed = seed },
        };
        long start = 0;
        int count = 0;
        foreach (GenerationUpdate update in engine.GenerateAsync(request).ToBlockingEnumerable())
        {
            if (count++ == 0) start = Stopwatch.GetTimestamp();
        }
        return (count - 1) / Stopwatch.GetElapsedTime(start).TotalSeconds;
    }
}
