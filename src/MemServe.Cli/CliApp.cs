using System.CommandLine;
using System.CommandLine.Invocation;
using MemServe.Cli.Commands;
using MemServe.Compute;

namespace MemServe.Cli;

/// <summary>
/// The <c>memserve</c> command line on System.CommandLine: every command declares typed options (see
/// <see cref="CliOptions"/>), answers <c>--help</c>/<c>-h</c> with its own options, and completes through the
/// <c>[suggest]</c> directive. Exit codes: 0 success, 1 a MemServe error (bad model, bad request), 2 a usage error
/// (one line naming the option at fault).
/// </summary>
internal static class CliApp
{
    private const string Description = """
        MemServe: in-process LLM inference from the command line.
        Every command that reads a model takes --model DIR (a Hugging Face folder); without it, the embedded default model.
        Environment: MEMSERVE_CPU_PATH=avx512|avx2|portable forces a lower CPU kernel path (info and bench name the path in use);
        DOTNET_EnableAVX512=0 / DOTNET_EnableAVX=0 switch the runtime's own instruction sets off.
        """;

    // '@file' would otherwise read arguments from a file: a prompt may start with '@'.
    private static readonly ParserConfiguration s_parser = new() { ResponseFileTokenReplacer = null };

    /// <summary>Runs a command with the console as output.</summary>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs a command, writing results and help to <paramref name="output"/> and diagnostics to <paramref name="error"/>.
    /// Returns the process exit code: 0 success, 1 a MemServe error (bad model, bad request), 2 a usage error.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        // "memserve" alone prints the overview and fails; "memserve help [command]" is "memserve [command] --help".
        bool bare = args.Length == 0;
        if (bare) args = ["--help"];
        else if (args[0] == "help") args = [.. args[1..], "--help"];
        RootCommand root = CreateRoot(output, error);
        ParseResult parsed = root.Parse(args, s_parser);
        if (parsed.Action is ParseErrorAction)
        {
            error.WriteLine($"memserve: {ErrorLine(parsed)} (see 'memserve {CommandPath(parsed.CommandResult.Command)}--help')");
            return 2;
        }
        var invocation = new InvocationConfiguration
        {
            Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null,
        };
        try
        {
            int code = parsed.Invoke(invocation);
            return bare ? 2 : code;
        }
        catch (CliUsageException ex)
        {
            error.WriteLine($"memserve: {ex.Message}");
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

    /// <summary>The command tree; commands write to <paramref name="output"/> and <paramref name="error"/>. Cheap to
    /// build (no reflection): a run builds it once.</summary>
    public static RootCommand CreateRoot(TextWriter output, TextWriter error)
    {
        var root = new RootCommand(Description)
        {
            DemoCommand.Create(output),
            GenerateCommand.Create(output, error),
            LogitsCommand.Create(output),
            TokenizeCommand.Create(output),
            ChatTemplateCommand.Create(output),
            InfoCommand.Create(output),
            ExportDefaultCommand.Create(output),
            ServeInstanceCommand.Create(output, error),
            BenchCommand.Create(output),
        };
        CliOptions.RejectRepeats(root);
        return root;
    }

    // An unknown word is the one error worth naming (it also causes "required command was not provided" and the like).
    private static string ErrorLine(ParseResult parsed)
    {
        Command command = parsed.CommandResult.Command;
        if (parsed.UnmatchedTokens.Count > 0)
        {
            string token = parsed.UnmatchedTokens[0];
            if (token.StartsWith('-')) return command is RootCommand ? $"unknown option '{token}'" : $"unknown option '{token}' for '{command.Name}'";
            return command is RootCommand ? $"unknown command '{token}'" : $"unexpected argument '{token}' for '{command.Name}' (options look like --name value)";
        }
        var messages = new List<string>(parsed.Errors.Count);
        foreach (System.CommandLine.Parsing.ParseError e in parsed.Errors) messages.Add(e.Message.TrimEnd('.'));
        return string.Join("; ", messages);
    }

    private static string CommandPath(Command command) => command is RootCommand ? "" : command.Name + " ";
}
