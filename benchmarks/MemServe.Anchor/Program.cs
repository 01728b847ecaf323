using MemServe.Anchor;

// The side-by-side anchor: GGUF files of the bench shapes through LLamaSharp (llama.cpp), optionally interleaved
// with `memserve bench` on the same shape and dtype. See benchmarks/README.md ("Anchor: LLamaSharp side by side").
AnchorOptions options;
try
{
    options = AnchorOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
LlamaSharpEngine.Configure(options.LlamaAvx, options.Verbose);
return options.SelfCheck ? SelfCheck.Run(Console.Out) : AnchorRun.Run(options, Console.Out, options.Json ? Console.Error : Console.Out);
