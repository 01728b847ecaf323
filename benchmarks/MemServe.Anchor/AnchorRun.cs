using System.Diagnostics;
using MemServe.Anchor.Gguf;
using MemServe.Compute;
using MemServe.Model;

namespace MemServe.Anchor;

/// <summary>
/// One anchor run: write (or reuse) the GGUF of the shape and dtype, load it in LLamaSharp, then for each round
/// measure LLamaSharp — and with <c>--interleave</c> MemServe too, in the order A B, B A, A B, ... so drift in
/// the host's load falls on both sides — and print the report.
/// </summary>
internal static class AnchorRun
{
    public static int Run(AnchorOptions o, TextWriter output, TextWriter progress)
    {
        ModelConfig config;
        try { config = ModelShapes.Get(o.Shape); }
        catch (ArgumentException ex) { progress.WriteLine(ex.Message); return 2; }
        string shape = o.Shape.ToUpperInvariant() == "TINY" ? "tiny" : o.Shape.ToUpperInvariant();
        string dir = o.KeepGgufDir ?? Directory.CreateTempSubdirectory("memserve-anchor-").FullName;
        try
        {
            string gguf = o.GgufPath ?? EnsureGguf(config, o.Format, shape, dir, reuse: o.KeepGgufDir is not null, progress);
            MemServeBench? memserve = o.Interleave
                ? new MemServeBench(o.MemServeDll ?? MemServeBench.FindCli(), shape, o.Format.Name, o.Plan)
                : null;
            var report = new AnchorReport(shape, o.Format.Name, o.Plan);
            if (memserve is not null) report.Describe(DescribeMemServe(memserve));
            string flash = o.FlashAttention switch { true => "on", false => "off", null => "auto" };
            report.Describe(new EngineInfo("llamasharp", LlamaSharpEngine.Isa(),
                $"LLamaSharp 0.30.0, flash attention {flash}, KV unified {(o.KvUnified ? "on" : "off")}, llama.cpp system info: {LlamaSharpEngine.SystemInfo()}"));
            using var llama = new LlamaSharpBench(gguf, o.Plan, config.VocabSize, o.FlashAttention, o.KvUnified);
            void Wait()
            {
                if (o.MaxLoad is double max) LoadAverage.WaitBelow(max, o.MaxWaitSeconds, progress);
                if (o.MinIdle is double idle) LoadAverage.WaitQuiet(idle, o.MaxWaitSeconds, progress);
            }
            for (int round = 1; round <= o.Rounds; round++)
            {
                bool memserveFirst = round % 2 == 0;
                if (memserve is not null && memserveFirst) { Wait(); report.Add(memserve.RunRound(round), progress); }
                Wait();
                report.Add(llama.RunRound(round), progress);
                if (memserve is not null && !memserveFirst) { Wait(); report.Add(memserve.RunRound(round), progress); }
            }
            if (memserve is not null) report.Describe(DescribeMemServe(memserve));
            report.Print(output, o.Json);
            return 0;
        }
        finally
        {
            if (o.KeepGgufDir is null) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>MemServe's kernel path: the <c>"isa"</c> bench printed, else how this process (same runtime, same
    /// environment) resolves <see cref="CpuKernels"/>, marked as such.</summary>
    private static EngineInfo DescribeMemServe(MemServeBench memserve)
    {
        string env = string.Join(' ', new[] { CpuKernels.EnvironmentVariable, "DOTNET_EnableAVX512" }
            .Select(v => (Name: v, Value: Environment.GetEnvironmentVariable(v))).Where(p => p.Value is not null).Select(p => $"{p.Name}={p.Value}"));
        string detail = "memserve bench" + (env.Length > 0 ? " with " + env : "");
        return memserve.Isa != "unknown"
            ? new EngineInfo("memserve", memserve.Isa, detail)
            : new EngineInfo("memserve", CpuKernels.Name + "?", detail + "; bench printed no isa, the anchor's own process resolves " + CpuKernels.Description);
    }

    private static string EnsureGguf(ModelConfig config, WeightFormat format, string shape, string dir, bool reuse, TextWriter progress)
    {
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, $"memserve-{shape}-{format.Name}.gguf");
        GgufWriter writer = LlamaGgufModel.Build(config, format, $"memserve bench shape {shape}");
        if (reuse && File.Exists(path) && GgufReader.Read(path) is { } h && h.FileBytes == h.DataStart + writer.DataBytes)
        {
            progress.WriteLine($"reusing {path}");
            return path;
        }
        long start = Stopwatch.GetTimestamp();
        writer.WriteTo(path);
        progress.WriteLine($"wrote {path} ({new FileInfo(path).Length / 1e6:F1} MB) in {Stopwatch.GetElapsedTime(start).TotalSeconds:F1} s");
        return path;
    }
}
