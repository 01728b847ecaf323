using System.Diagnostics;
using System.Net;

namespace MemServe.Core.Tests.Remote;

/// <summary>
/// A real <c>memserve serve-instance</c> child process on a free loopback port (port 0: the child binds and prints
/// the port it got, so no port is guessed). Runs the CLI built next to the test assembly (<c>memserve.dll</c>).
/// Dispose kills the process tree.
/// </summary>
internal sealed class RemoteInstanceProcess : IDisposable
{
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    private RemoteInstanceProcess(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>"127.0.0.1:PORT".</summary>
    public string Endpoint => EndPoint.ToString();

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the child and waits for its "listening on" line.</summary>
    public static RemoteInstanceProcess Start(string role = "colocated", params string[] extraArgs)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "memserve.dll");
        Assert.True(File.Exists(dll), $"the CLI is not built next to the tests: {dll}");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (string arg in (string[])[dll, "serve-instance", "--listen", "127.0.0.1:0", "--role", role,
                     "--threads", "1", "--memory-mb", "192", .. extraArgs])
            info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("dotnet did not start");
        var stderr = new StringWriterLines();
        process.ErrorDataReceived += (_, e) => stderr.Add(e.Data);
        process.BeginErrorReadLine();
        try
        {
            IPEndPoint endPoint = WaitForListening(process, stderr);
            return new RemoteInstanceProcess(process, endPoint); // it prints nothing more on stdout
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>Kills the child now (SIGKILL: no goodbye on its connections) and waits for it to exit.</summary>
    public void Kill() => Kill(_process);

    public void Dispose()
    {
        Kill(_process);
        _process.Dispose();
    }

    private static IPEndPoint WaitForListening(Process process, StringWriterLines stderr)
    {
        Task<string?> line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(StartPatience) || line.Result is not { } text)
            throw new InvalidOperationException($"serve-instance printed no 'listening on' line; stderr: {stderr}");
        const string prefix = "listening on ";
        Assert.StartsWith(prefix, text);
        string endpoint = text[prefix.Length..].Split(' ')[0];
        return IPEndPoint.Parse(endpoint);
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(30_000);
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
    }

    /// <summary>Collects a child's stderr lines for failure messages (thread-safe).</summary>
    private sealed class StringWriterLines
    {
        private readonly List<string> _lines = [];

        public void Add(string? line)
        {
            if (line is null) return;
            lock (_lines) _lines.Add(line);
        }

        public override string ToString()
        {
            lock (_lines) return string.Join('\n', _lines);
        }
    }
}
