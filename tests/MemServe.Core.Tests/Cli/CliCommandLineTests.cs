using System.CommandLine;
using MemServe.Cli;
using MemServe.Cluster;
using MemServe.Core.Tests.Integration;

namespace MemServe.Core.Tests.Cli;

/// <summary>The <c>memserve</c> command line itself (System.CommandLine): help per command, version, usage errors
/// (exit code 2, one line naming the option) and shell completion. Nothing here loads a model.</summary>
public sealed class CliCommandLineTests
{
    private static RootCommand Root() => CliApp.CreateRoot(TextWriter.Null, TextWriter.Null);

    public static TheoryData<string> CommandNames()
    {
        var names = new TheoryData<string>();
        foreach (Command command in Root().Subcommands) names.Add(command.Name);
        return names;
    }

    [Fact]
    public void The_tree_holds_every_command()
    {
        string[] expected = ["demo", "generate", "logits", "tokenize", "chat-template", "info", "export-default", "serve-instance", "bench"];

        Assert.Equal(expected, Root().Subcommands.Select(c => c.Name));
    }

    [Theory]
    [MemberData(nameof(CommandNames))]
    public void Help_of_every_command_lists_its_own_options(string name)
    {
        Command command = Root().Subcommands.Single(c => c.Name == name);

        foreach (string flag in new[] { "--help", "-h" })
        {
            var (code, output, error) = CliRunner.Run(name, flag);

            Assert.True(code == 0, $"{name} {flag} exited {code}: {error}");
            Assert.Equal("", error);
            Assert.Contains($" {name} [options]", output, StringComparison.Ordinal);
            Assert.Contains(command.Description!, output, StringComparison.Ordinal);
            foreach (Option option in command.Options)
            {
                if (option.Hidden) Assert.DoesNotContain(option.Name, output, StringComparison.Ordinal);
                else Assert.Contains(option.Name, output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Root_help_lists_every_command_and_the_bare_command_fails_with_it()
    {
        var (helpCode, help, _) = CliRunner.Run("--help");
        var (bareCode, bare, _) = CliRunner.Run();

        Assert.Equal(0, helpCode);
        Assert.Equal(2, bareCode);
        Assert.Equal(help, bare);
        foreach (Command command in Root().Subcommands) Assert.Contains(command.Name, help, StringComparison.Ordinal);
        Assert.Contains("MEMSERVE_CPU_PATH", help, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_word_is_the_help_option()
    {
        Assert.Equal(CliRunner.Run("bench", "--help"), CliRunner.Run("help", "bench"));
    }

    [Fact]
    public void Help_lists_allowed_values_and_defaults()
    {
        var (_, output, _) = CliRunner.Run("generate", "--help");

        Assert.Contains("--routing <NAME>", output, StringComparison.Ordinal); // a long list goes in the description
        Assert.Contains("one of round-robin, least-loaded, session-affinity or prompt-tree", output, StringComparison.Ordinal);
        Assert.Contains("--kv-dtype <f32|bf16|auto>", output, StringComparison.Ordinal);
        Assert.Contains("[default: 128]", output, StringComparison.Ordinal); // --max-tokens
    }

    [Fact]
    public void Version_prints_the_assembly_version()
    {
        var (code, output, _) = CliRunner.Run("--version");

        Assert.Equal(0, code);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);
    }

    [Theory]
    [InlineData("--threads", "generate --prompt x --threads abc", "expects an integer, got 'abc'")]
    [InlineData("--threads", "bench --shape S --threads 0", "must be at least 1, got 0")]
    [InlineData("--runs", "bench --shape S --runs 0", "must be at least 1")]
    [InlineData("--batch", "bench --shape S --batch 1,0", "at least 1")]
    [InlineData("--max-tokens", "generate --prompt x --max-tokens 0", "at least 1")]
    [InlineData("--temperature", "generate --prompt x --temperature hot", "expects a number, got 'hot'")]
    [InlineData("--prompt-ids", "logits --prompt-ids 1,x", "comma-separated integers, got 'x'")]
    [InlineData("--kv-dtype", "generate --prompt x --kv-dtype f16", "must be f32, bf16 or auto, got 'f16'")]
    [InlineData("--dtype", "bench --shape S --dtype q4", "must be f32, f16, bf16 or q8, got 'q4'")]
    [InlineData("--shape", "bench --shape XL", "must be S, M or L, got 'XL'")]
    [InlineData("--cache", "demo --cache maybe", "must be off, on or both")]
    [InlineData("--role", "serve-instance --listen 127.0.0.1:0 --role leader", "must be prefill, decode or colocated")]
    [InlineData("--listen", "serve-instance --listen nowhere", "HOST:PORT")]
    [InlineData("--model", "info --model /no/such/memserve-model", "'/no/such/memserve-model' does not exist")]
    [InlineData("--tokenizer", "tokenize --tokenizer /no/such/memserve-tok --text a", "does not exist")]
    [InlineData("--requests", "generate --requests /no/such/memserve.jsonl", "'/no/such/memserve.jsonl' does not exist")]
    [InlineData("--messages", "chat-template --messages /no/such/memserve.json", "does not exist")]
    [InlineData("--jsonl", "tokenize --jsonl /no/such/memserve.jsonl", "does not exist")]
    [InlineData("--messages", "chat-template", "required")]
    [InlineData("--out", "export-default", "required")]
    [InlineData("--prompt", "generate --prompt a --prompt b", "expects a single argument but 2 were provided")]
    [InlineData("--json", "info --json --json", "given 2 times")]
    [InlineData("--prompt-ids", "generate --prompt-ids 1 --prompt-ids 2", "expects a single argument but 2 were provided")]
    [InlineData("--top", "logits --prompt-ids 1 --top 2 --top 3", "expects a single argument but 2 were provided")]
    [InlineData("--instances", "generate --prompt-ids 1 --instances 0 --disaggregation pd-basic", "must be at least 1, got 0")]
    [InlineData("--instances", "generate --prompt-ids 1 --instances 1 --disaggregation pd-basic", "at least 2 with --disaggregation pd-basic")]
    [InlineData("--disaggregation", "generate --prompt-ids 1 --instances 3 --disaggregation", "--disaggregation")]
    [InlineData("--prompt-ids", "generate --prompt a --prompt-ids 1", "exactly one of --prompt, --prompt-ids or --requests")]
    [InlineData("--text", "tokenize", "exactly one of --text or --jsonl")]
    [InlineData("--shape", "bench", "exactly one of --model DIR or --shape")]
    public void A_bad_value_is_one_line_naming_the_option_and_exit_code_2(string option, string commandLine, string message)
    {
        var (code, output, error) = CliRunner.Run(commandLine.Split(' '));

        Assert.Equal(2, code);
        Assert.Equal("", output);
        string line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("memserve: ", line, StringComparison.Ordinal);
        Assert.Contains(option, line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("generate --prompt x --bogus 1", "unknown option '--bogus' for 'generate'")]
    [InlineData("info --prompt x", "unknown option '--prompt' for 'info'")] // another command's option
    [InlineData("bench --shape S --no-pak", "unknown option '--no-pak' for 'bench'")]
    [InlineData("generate stray", "unexpected argument 'stray' for 'generate'")]
    [InlineData("logits --prompt-ids 1 2", "unexpected argument '2' for 'logits'")] // ids are one comma-separated token
    [InlineData("tokenize --text a b", "unexpected argument 'b' for 'tokenize'")]
    [InlineData("frobnicate --json", "unknown command 'frobnicate'")]
    public void An_unknown_word_is_an_error_naming_it(string commandLine, string message)
    {
        var (code, _, error) = CliRunner.Run(commandLine.Split(' '));

        Assert.Equal(2, code);
        Assert.Contains(message, Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public void Completion_offers_command_names()
    {
        string[] all = Labels(Root().Parse("").GetCompletions());
        string[] g = Labels(Root().Parse("ge").GetCompletions());

        foreach (Command command in Root().Subcommands) Assert.Contains(command.Name, all);
        Assert.Equal(["generate"], g);
    }

    [Fact]
    public void Completion_offers_a_commands_options_and_enum_values()
    {
        Assert.Contains("--prompt-ids", Labels(Root().Parse("generate --pr").GetCompletions()));
        Assert.Equal(RoutingPolicies.Names.Order(StringComparer.Ordinal), Labels(Root().Parse("generate --routing ").GetCompletions()));
        Assert.Equal(DisaggregationStrategies.Names.Order(StringComparer.Ordinal), Labels(Root().Parse("generate --disaggregation ").GetCompletions()));
        Assert.Equal(["bf16", "f16", "f32", "q8"], Labels(Root().Parse("bench --dtype ").GetCompletions()));
        Assert.Equal(["L", "M", "S"], Labels(Root().Parse("bench --shape ").GetCompletions())); // not the hidden "tiny"
        Assert.Equal(["prefill"], Labels(Root().Parse("serve-instance --role pre").GetCompletions()));
    }

    [Fact]
    public void The_suggest_directive_completes_through_the_executable()
    {
        const string line = "memserve generate --kv-dtype ";
        var (code, output, _) = CliRunner.Run($"[suggest:{line.Length}]", line);

        Assert.Equal(0, code);
        Assert.Equal(["auto", "bf16", "f32"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static string[] Labels(IEnumerable<System.CommandLine.Completions.CompletionItem> items) =>
        items.Select(i => i.Label).Where(l => !l.StartsWith('-') || l.StartsWith("--", StringComparison.Ordinal)).ToArray();
}
