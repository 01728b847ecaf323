using System.Diagnostics;

namespace MemServe.Extensions.Server;

/// <summary>The built sample server as a real child process: a model it cannot load ends it with one clear log
/// line naming the path and a non-zero exit code, not an abort (134) with stack traces.</summary>
public sealed class ServerStartupTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("memserve-bad-model-").FullName;

    [Fact]
    public async Task MissingModelFolder_ExitsNonZeroWithOneLineNamingThePath()
    {
        string path = Path.Combine(_folder, "no-such-model");

        (int exitCode, string[] lines) = await RunServerAsync(path);

        AssertFailedCleanly(exitCode, lines, path);
    }

    [Fact]
    public async Task BrokenModelFolder_ExitsNonZeroWithOneLineNamingThePath()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "config.json"), """{"model_type":"qwen2"}""");

        (int exitCode, string[] lines) = await RunServerAsync(_folder);

        AssertFailedCleanly(exitCode, lines, _folder);
        Assert.Contains(lines, l => l.Contains("hidden_size", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static void AssertFailedCleanly(int exitCode, string[] lines, string path)
    {
        Assert.NotEqual(0, exitCode);
        Assert.NotEqual(134, exitCode);
        string output = string.Join('\n', lines);
        Assert.DoesNotContain(lines, l => l.StartsWith("   at ", StringComparison.Ordinal) || l.Contains("Unhandled exception", StringComparison.Ordinal));
        string error = Assert.Single(lines, l => l.StartsWith("fail:", StringComparison.Ordinal) || l.StartsWith("crit:", StringComparison.Ordinal));
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.True(lines.Length <= 3, output);
    }

    private static async Task<(int ExitCode, string[] Lines)> RunServerAsync(string modelPath)
    {
        string dll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--MemServe:ModelPath=" + modelPath);
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The server kept running with a bad model path.");
        }
        string output = ((await stdout) + (await stderr)).Replace("\r", "", StringComparison.Ordinal);
        return (process.ExitCode, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
