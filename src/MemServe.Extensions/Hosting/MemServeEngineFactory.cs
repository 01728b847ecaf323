using MemServe.Cluster;
using MemServe.Cluster.Remote;
using MemServe.Engine;
using MemServe.Model;
using Microsoft.Extensions.Logging;

namespace MemServe.Extensions;

/// <summary>What <see cref="MemServeEngineFactory"/> built: the engine, the model folder (null for the embedded
/// default model) and, for an in-process cluster, the weights its instances share, which the owner disposes after
/// the engine.</summary>
internal sealed record MemServeEngineParts(ILlmEngine Engine, string? ModelDirectory, IDisposable? SharedWeights);

/// <summary>
/// Turns <see cref="MemServeOptions"/> into an engine: one <see cref="LlmEngine"/> owning its weights; or, when
/// <see cref="MemServeClusterOptions.IsCluster"/>, an <see cref="LlmCluster"/> over in-process instances sharing
/// one loaded model (<see cref="LlmEngineOptions.OwnsWeights"/> false) or over connected remote instances,
/// wrapped in <see cref="InstanceFailureRetryEngine"/> when asked. On failure everything created is freed.
/// </summary>
internal static class MemServeEngineFactory
{
    public static MemServeEngineParts Create(MemServeOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        MemServeClusterOptions cluster = options.Cluster;
        if (cluster.RemoteEndpoints.Count > 0) return new(ConnectRemote(options, timeProvider, loggerFactory), options.ModelPath, null);
        LoadedModel model = LoadedModel.Load(options.ModelPath);
        try
        {
            if (!cluster.IsCluster)
            {
                LlmEngineOptions single = options.ToEngineOptions(model.Weights.TotalBytes, model.Name, timeProvider) with { OwnsWeights = true };
                return new(LlmEngine.Create(model.Config, model.Weights, model.Tokenizer, single, loggerFactory), model.Directory, null);
            }
            return new(CreateLocalCluster(options, model, timeProvider, loggerFactory), model.Directory, model);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static ILlmEngine CreateLocalCluster(MemServeOptions options, LoadedModel model, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        MemServeClusterOptions cluster = options.Cluster;
        var instances = new List<IEngineInstance>(cluster.Instances);
        try
        {
            for (int i = 0; i < cluster.Instances; i++)
            {
                InstanceRole role = cluster.RoleOf(i);
                string id = $"{role.ToString().ToLowerInvariant()}-{i}";
                LlmEngineOptions engineOptions = options.ToEngineOptions(model.Weights.TotalBytes, model.Name, timeProvider, id) with
                {
                    OwnsWeights = false,
                };
                LlmEngine engine = LlmEngine.Create(model.Config, model.Weights, model.Tokenizer, engineOptions, loggerFactory);
                try
                {
                    instances.Add(new LocalEngineInstance(id, role, engine, options.KvLinks));
                }
                catch
                {
                    engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    throw;
                }
            }
            return Wrap(new LlmCluster(instances, options.ToClusterOptions(timeProvider), loggerFactory), cluster);
        }
        catch
        {
            DisposeAll(instances);
            throw;
        }
    }

    private static ILlmEngine ConnectRemote(MemServeOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        MemServeClusterOptions cluster = options.Cluster;
        var instances = new List<IEngineInstance>(cluster.RemoteEndpoints.Count);
        try
        {
            RemoteEngineOptions remoteOptions = options.ToRemoteOptions();
            foreach (string endpoint in cluster.RemoteEndpoints)
                instances.Add(RemoteEngine.ConnectAsync(endpoint.Trim(), remoteOptions with { InstanceId = null }).GetAwaiter().GetResult());
            return Wrap(new LlmCluster(instances, options.ToClusterOptions(timeProvider), loggerFactory), cluster);
        }
        catch
        {
            DisposeAll(instances);
            throw;
        }
    }

    private static ILlmEngine Wrap(LlmCluster cluster, MemServeClusterOptions options) =>
        options.RetryOnInstanceFailure ? new InstanceFailureRetryEngine(cluster) : cluster;

    private static void DisposeAll(List<IEngineInstance> instances)
    {
        foreach (IEngineInstance instance in instances) instance.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
