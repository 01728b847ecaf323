using System.Net;
using System.Runtime.InteropServices;
using MemServe.Cluster;
using MemServe.Cluster.Remote;
using MemServe.Model;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve serve-instance --listen HOST:PORT [--role prefill|decode|colocated] [--instance-id ID]</c> plus
/// the engine options: loads the model, serves it through an <see cref="EngineHost"/> until SIGTERM or Ctrl+C,
/// and prints <c>listening on HOST:PORT</c> (the real port when 0 was given) once clients can connect.
/// </summary>
internal static class ServeInstanceCommand
{
    public static int Run(CliArgs args, TextWriter output, TextWriter error)
    {
        EngineSetup setup = EngineSetup.Read(args);
        IPEndPoint listen = ParseListen(args.Require("listen"));
        InstanceRole role = ParseRole(args.Get("role") ?? "colocated");
        string? instanceId = args.Get("instance-id");
        args.ThrowIfUnused();

        (string tokenizerJson, string? tokenizerConfigJson) = TokenizerFiles(setup.ModelDirectory);
        var instance = new LocalEngineInstance(instanceId ?? $"{Name(role)}@{listen}", role, setup.CreateEngine());
        try
        {
            var options = new EngineHostOptions
            {
                InstanceId = instanceId, Role = role, TokenizerJson = tokenizerJson, TokenizerConfigJson = tokenizerConfigJson,
            };
            EngineHost host = EngineHost.Start(instance, listen, options);
            try
            {
                var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
                using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
                output.WriteLine($"listening on {host.LocalEndPoint} (instance {host.Info.InstanceId}, role {Name(role)})");
                output.Flush();
                stop.Task.GetAwaiter().GetResult();
                error.WriteLine("memserve: stopping");

                void Stop(PosixSignalContext context)
                {
                    context.Cancel = true;
                    stop.TrySetResult();
                }
            }
            finally
            {
                host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        finally
        {
            instance.DisposeAsync().AsTask().GetAwaiter().GetResult(); // disposes the engine
        }
        return 0;
    }

    private static IPEndPoint ParseListen(string text)
    {
        if (!IPEndPoint.TryParse(text, out IPEndPoint? endPoint) || !text.Contains(':', StringComparison.Ordinal))
            throw new CliUsageException($"--listen expects HOST:PORT with a numeric address (e.g. 127.0.0.1:5000), got '{text}'");
        return endPoint;
    }

    private static InstanceRole ParseRole(string text) => text switch
    {
        "colocated" => InstanceRole.Colocated,
        "prefill" => InstanceRole.Prefill,
        "decode" => InstanceRole.Decode,
        _ => throw new CliUsageException($"--role must be prefill, decode or colocated, got '{text}'"),
    };

    private static string Name(InstanceRole role) => role.ToString().ToLowerInvariant();

    /// <summary>The tokenizer files clients receive, so they need no copy of the model.</summary>
    private static (string Json, string? ConfigJson) TokenizerFiles(string? modelDirectory)
    {
        if (modelDirectory is null) return (DefaultModel.TokenizerJson, DefaultModel.TokenizerConfigJson);
        string config = Path.Combine(modelDirectory, "tokenizer_config.json");
        return (File.ReadAllText(Path.Combine(modelDirectory, "tokenizer.json")), File.Exists(config) ? File.ReadAllText(config) : null);
    }
}
