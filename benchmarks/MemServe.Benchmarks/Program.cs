using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// In-process toolchain: BenchmarkDotNet 0.14 predates net10.0 target monikers, and running in the
// host process measures exactly the runtime the library ships on.
// Quick modes for a shared, noisy machine: "gemv" (decode GB/s per weight format), "ab" (prefill tile A/B),
// "q8" (int8 kernel paths A/B), "prefix-cache" (the prompt-tree workload harness). Anything else goes to BenchmarkDotNet.
if (args is ["gemv"])
{
    MemServe.Benchmarks.GemvProbe.Run();
    return 0;
}
if (args is ["ab"])
{
    MemServe.Benchmarks.KernelAb.Run();
    return 0;
}
if (args.Length > 0 && args[0] == "attn")
{
    MemServe.Benchmarks.AttentionProbe.Run(args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "attn-decode")
{
    MemServe.Benchmarks.AttentionDecodeProbe.Run(args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "pack")
{
    MemServe.Benchmarks.PackProbe.Run(args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "kern")
{
    MemServe.Benchmarks.KernelProbe.Run(args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "layer-gemv")
{
    MemServe.Benchmarks.LayerGemvProbe.Run(args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "q8")
{
    MemServe.Benchmarks.Q8PathProbe.Run(args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "decode")
{
    MemServe.Benchmarks.DecodeProbe.Run(args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "paths")
{
    MemServe.Benchmarks.PathProbe.Run(args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "constrained-decode")
{
    MemServe.Benchmarks.ConstrainedDecodeProbe.Run(args[1..]);
    return 0;
}
if (args.Length > 0 && args[0] == "prefix-cache") return MemServe.Benchmarks.PrefixCacheHarness.Run(args[1..]);

IConfig config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, config);
return 0;
