using System.Runtime.CompilerServices;
using MemServe.Engine;

namespace MemServe.Cluster;

/// <summary>
/// <see cref="DisaggregationStrategies.Colocated"/>: the request runs whole on one colocated instance chosen by the
/// router; when the routing policy proposes moving a longer cached prefix from another instance (and transfer beats
/// recomputation), that KV is imported with insert first.
/// </summary>
internal sealed class ColocatedStrategy : IDisaggregationStrategy
{
    public string Name => DisaggregationStrategies.Colocated;

    public bool IsDisaggregated => false;

    public async IAsyncEnumerable<GenerationUpdate> RunAsync(DisaggregationContext context,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        RoutedInstance target = context.Route(InstanceRole.Colocated);
        try
        {
            await context.ApplyMoveAsync(target, cancellationToken).ConfigureAwait(false);
            long start = context.Time.GetTimestamp();
            bool first = true;
            await foreach (GenerationUpdate update in target.Instance.GenerateAsync(context.Request, cancellationToken).ConfigureAwait(false))
            {
                if (first)
                {
                    context.PrefillDone(target, context.Time.GetElapsedTime(start));
                    first = false;
                }
                if (update.Usage is { } usage)
                {
                    context.CachedPromptTokens = usage.CachedPromptTokens;
                    context.RecordInstance(target.Instance, "colocated", usage.CachedPromptTokens);
                }
                yield return update;
            }
        }
        finally
        {
            context.Completed(target);
        }
    }
}
