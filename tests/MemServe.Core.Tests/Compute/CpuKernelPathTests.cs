using System.Diagnostics;
using System.Text.Json;
using MemServe.Compute;
using MemServe.Core.Tests.Integration;

namespace MemServe.Core.Tests.Compute;

/// <summary>The one place that chooses the CPU kernel path: parsing, what the process reports, and a forced path or a bad
/// <c>MEMSERVE_CPU_PATH</c> in a real child process (the choice is made once per process).</summary>
public class CpuKernelPathTests
{
    [Theory]
    [InlineData("avx512", CpuKernelPath.Avx512)]
    [InlineData("AVX2", CpuKernelPath.Avx2)]
    [InlineData("portable", CpuKernelPath.Portable)]
    public void Path_names_parse_and_print_back(string text, CpuKernelPath expected)
    {
        Assert.True(CpuKernels.TryParse(text, out CpuKernelPath path));
        Assert.Equal(expected, path);
        Assert.Equal(text.ToLowerInvariant(), CpuKernels.NameOf(path));
        Assert.False(CpuKernels.TryParse("sse", out _));
    }

    [Fact]
    public void The_chosen_path_is_supported_and_named_by_info()
    {
        Assert.True(CpuKernels.Supports(CpuKernels.Path));
        Assert.True(CpuKernels.Path <= CpuKernels.Best);
        Assert.True(CpuKernels.Supports(CpuKernelPath.Portable));
        Assert.StartsWith(CpuKernels.Name, CpuKernels.Description, StringComparison.Ordinal);

        JsonElement info = CliRunner.RunJsonLines("info", "--json").Single();
        Assert.Equal(CpuKernels.Name, info.GetProperty("isa").GetString());
        Assert.Equal(CpuKernels.Features, info.GetProperty("isa_features").GetString());
        Assert.Equal("BF16", info.GetProperty("kv_dtype").GetString()); // the default model's BF16 weights: a BF16 cache
    }

    [Fact]
    public void A_forced_lower_path_is_followed_by_a_child_process()
    {
        var (code, output, error) = RunCli("portable", "info", "--json");
        Assert.True(code == 0, error);
        using JsonDocument doc = JsonDocument.Parse(output);
        Assert.Equal("portable", doc.RootElement.GetProperty("isa").GetString());

        (code, output, error) = RunCli("portable", "generate", "--prompt-ids", "1,2,3", "--max-tokens", "4", "--json");
        Assert.True(code == 0, error);
        Assert.Contains("\"output_ids\"", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_or_unsupported_path_fails_with_one_clear_line()
    {
        var (code, _, error) = RunCli("sse9", "generate", "--prompt-ids", "1,2", "--max-tokens", "1");
        Assert.Equal(2, code);
        Assert.Contains("MEMSERVE_CPU_PATH='sse9' is not a CPU kernel path", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);

        if (CpuKernels.Supports(CpuKernelPath.Avx512)) return; // nothing above this CPU's best path to ask for
        (code, _, error) = RunCli("avx512", "generate", "--prompt-ids", "1,2", "--max-tokens", "1");
        Assert.Equal(2, code);
        Assert.Contains("does not allow", error, StringComparison.Ordinal);
    }

    private static (int Code, string Output, string Error) RunCli(string path, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "memserve.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        start.Environment[CpuKernels.EnvironmentVariable] = path;
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "memserve did not exit within 60 s");
        return (process.ExitCode, output.Result, error.Result);
    }
}
