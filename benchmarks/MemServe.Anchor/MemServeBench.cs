using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace MemServe.Anchor;

/// <summary>
/// The MemServe side: <c>memserve bench --shape X --dtype D ... --json</c> in a child process per round (the
/// same shape, dtype, thread count and sizes as the LLamaSharp side; environment such as
/// <c>MEMSERVE_CPU_PATH</c> or <c>DOTNET_EnableAVX512</c> is inherited). Reads back the fields it prints.
/// </summary>
internal sealed class MemServeBench(string cliDll, string shape, string dtype, BenchPlan plan)
{
    /// <summary>The kernel path the last round's <c>"isa"</c> reported; "unknown" when bench does not print it.</summary>
    public string Isa { get; private set; } = "unknown";

    public BenchSample RunRound(int round)
    {
        var c = CultureInfo.InvariantCulture;
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[]
        {
            cliDll, "bench", "--shape", shape, "--dtype", dtype, "--threads", plan.Threads.ToString(c),
            "--prompt", plan.PromptTokens.ToString(c), "--gen", plan.GenTokens.ToString(c), "--runs", plan.Runs.ToString(c),
            "--batch-prompt", plan.BatchPromptTokens.ToString(c), "--batch-gen", plan.BatchGenTokens.ToString(c), "--json",
        }) start.ArgumentList.Add(a);
        if (plan.Batches.Length > 0)
        {
            start.ArgumentList.Add("--batch");
            start.ArgumentList.Add(string.Join(',', plan.Batches));
        }
        double load = LoadAverage.OneMinute();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("could not start memserve bench");
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"memserve bench exited with {process.ExitCode}: {stderr.Result.Trim()} {stdout.Trim()}");
        string line = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(l => l.StartsWith('{'));
        using JsonDocument doc = JsonDocument.Parse(line);
        JsonElement root = doc.RootElement;
        if (root.TryGetProperty("isa", out JsonElement isa) && isa.ValueKind == JsonValueKind.String) Isa = isa.GetString()!;
        var batched = new List<(int, double)>();
        if (root.TryGetProperty("batched", out JsonElement array))
        {
            foreach (JsonElement b in array.EnumerateArray()) batched.Add((b.GetProperty("batch").GetInt32(), b.GetProperty("decode_tok_s").GetDouble()));
        }
        return new BenchSample("memserve", round, load, root.GetProperty("prefill_tok_s").GetDouble(), root.GetProperty("decode_tok_s").GetDouble(),
            batched, root.GetProperty("weights_bytes").GetInt64(), root.GetProperty("kv_dtype").GetString() ?? "", root.GetProperty("peak_rss_bytes").GetInt64());
    }

    /// <summary>The CLI next to this repository's build of the same configuration:
    /// <c>src/MemServe.Cli/bin/&lt;Configuration&gt;/net10.0/memserve.dll</c> found by walking up to MemServe.sln.</summary>
    public static string FindCli()
    {
        string baseDir = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        string tfm = Path.GetFileName(baseDir), configuration = Path.GetFileName(Path.GetDirectoryName(baseDir)) ?? "Release";
        for (DirectoryInfo? d = new(baseDir); d is not null; d = d.Parent)
        {
            if (!File.Exists(Path.Combine(d.FullName, "MemServe.sln"))) continue;
            string dll = Path.Combine(d.FullName, "src", "MemServe.Cli", "bin", configuration, tfm, "memserve.dll");
            if (File.Exists(dll)) return dll;
            throw new FileNotFoundException($"{dll} not found: build it (dotnet build -c {configuration} src/MemServe.Cli) or pass --memserve PATH");
        }
        throw new FileNotFoundException("MemServe.sln not found above " + baseDir + "; pass --memserve PATH/memserve.dll");
    }

    private static string DotnetHost()
    {
        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
