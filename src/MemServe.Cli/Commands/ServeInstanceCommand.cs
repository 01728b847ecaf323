using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
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
    /// <summary>The <c>serve-instance</c> command, printing the listening line to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output, TextWriter error)
    {
        var engine = new EngineOptions();
        Option<string?> listen = CliOptions.Text("--listen", "HOST:PORT", "Address to listen on, numeric (e.g. 127.0.0.1:5000; port 0: any free port)", required: true);
        listen.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && !TryParseListen(text, out _))
                r.AddError($"--listen expects HOST:PORT with a numeric address (e.g. 127.0.0.1:5000), got '{text}'");
        });
        Option<string> role = CliOptions.Choice("--role", "What this instance does in a cluster", "colocated", ["prefill", "decode", "colocated"]);
        Option<string?> instanceId = CliOptions.Text("--instance-id", "ID", "The instance's name in cluster stats [default: ROLE@HOST:PORT]");
        var command = new Command("serve-instance", "Serve this engine to remote clients (memserve generate --remote) until SIGTERM or Ctrl+C")
        {
            listen, role, instanceId,
        };
        engine.AddTo(command);
        command.SetAction(r => Run(engine.Read(r), IPEndPoint.Parse(r.GetValue(listen)!), ParseRole(r.GetValue(role)!), r.GetValue(instanceId), output, error));
        return command;
    }

    private static int Run(EngineSetup setup, IPEndPoint listen, InstanceRole role, string? instanceId, TextWriter output, TextWriter error)
    {
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

    private static bool TryParseListen(string text, [NotNullWhen(true)] out IPEndPoint? endPoint) =>
        IPEndPoint.TryParse(text, out endPoint) && text.Contains(':', StringComparison.Ordinal);

    private static InstanceRole ParseRole(string text) => text switch
    {
        "prefill" => InstanceRole.Prefill,
        "decode" => InstanceRole.Decode,
        _ => InstanceRole.Colocated,
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
