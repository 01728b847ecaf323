using MemServe.Cli.Commands;
using MemServe.Compute;

namespace MemServe.Cli;

/// <summary>The <c>memserve</c> command line: parses the command word and dispatches.</summary>
internal static class CliApp
{
    private static readonly HashSet<string> s_flags = new(StringComparer.Ordinal)
    {
        "json", "all", "cluster", "ignore-eos", "sequential", "add-special-tokens", "add-generation-prompt", "no-stream", "no-pack", "help",
    };

    private const string Usage = """
        usage: memserve <command> [options]        (every command takes --model DIR; without it, the embedded default model)

          demo            stream one generation, then a burst of concurrent requests with a throughput/TTFT table,
                          then a multi-turn chat with TTFT per turn [--cache off|on|both] [--turns N];
                          --cluster instead compares prompt-tree and round-robin routing on 4 in-process instances
          generate        --prompt TEXT | --prompt-ids 1,2,3 | --requests FILE.jsonl [--sequential]
                          [--max-tokens N] [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--seed S]
                          [--ignore-eos] [--stop TEXT] [--json]
                          [--instances N] [--disaggregation colocated|pd-basic|pd-caching-1|pd-caching-2|pd-caching-3]
                          [--kv-transfer aggregated|by-layer]
                          [--routing round-robin|least-loaded|session-affinity|prompt-tree]   (an in-process cluster)
                          [--remote HOST:PORT,...]   (serve-instance processes instead of a local model; several form a cluster)
          logits          --prompt-ids 1,2,3 [--top K] [--all] [--json]
          tokenize        --tokenizer DIR (--text TEXT | --jsonl FILE) [--add-special-tokens] [--json]
          chat-template   --tokenizer DIR --messages FILE.json [--add-generation-prompt] [--json]
          info            [--json]
          export-default  --out DIR
          serve-instance  --listen HOST:PORT [--role prefill|decode|colocated] [--instance-id ID]: serve this engine to remote clients
          bench           --shape S|M|L [--dtype f32|f16|bf16|q8] [--prompt 512] [--gen 128] [--batch 1,4,16] [--runs 3]
                          [--kv-dtype f32|bf16|auto] [--no-pack] [--json]

        common options: --threads N (compute threads; default: all cores), --memory-mb N (engine memory budget),
                        --kv-dtype f32|bf16|auto (KV cache elements; default auto: BF16 for 16-bit weights, F32 for F32),
                        --prefix-cache on|off (default on), --cache-host-mb N, --cache-dir DIR, --cache-disk-mb N

        environment:    MEMSERVE_CPU_PATH=avx512|avx2|portable forces a lower CPU kernel path (info and bench name the path
                        in use); DOTNET_EnableAVX512=0 / DOTNET_EnableAVX=0 switch the runtime's own instruction sets off
        """;

    /// <summary>Runs a command with the console as output.</summary>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs a command, writing results to <paramref name="output"/> and diagnostics to <paramref name="error"/>.
    /// Returns the process exit code: 0 success, 1 a MemServe error (bad model, bad request), 2 a usage error.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            output.WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            CliArgs parsed = CliArgs.Parse(args, s_flags);
            return parsed.Command switch
            {
                "generate" => GenerateCommand.Run(parsed, output, error),
                "demo" => DemoCommand.Run(parsed, output),
                "logits" => LogitsCommand.Run(parsed, output),
                "tokenize" => TokenizeCommand.Run(parsed, output),
                "chat-template" => ChatTemplateCommand.Run(parsed, output),
                "info" => InfoCommand.Run(parsed, output),
                "export-default" => ExportDefaultCommand.Run(parsed, output),
                "bench" => BenchCommand.Run(parsed, output),
                "serve-instance" => ServeInstanceCommand.Run(parsed, output, error),
                _ => throw new CliUsageException($"unknown command '{parsed.Command}'"),
            };
        }
        catch (CliUsageException ex)
        {
            error.WriteLine($"memserve: {ex.Message}");
            error.WriteLine(Usage);
            return 2;
        }
        catch (MemServeException ex)
        {
            error.WriteLine($"memserve: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
        catch (IOException ex)
        {
            error.WriteLine($"memserve: {ex.Message}");
            return 1;
        }
        catch (PlatformNotSupportedException ex) when (CpuKernels.Error != null)
        {
            // MEMSERVE_CPU_PATH names no path, or one this CPU lacks: one line, not a stack trace.
            error.WriteLine($"memserve: {ex.Message}");
            return 2;
        }
    }
}
