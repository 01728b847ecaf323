namespace MemServe.Cluster;

/// <summary>Picks the cheapest candidate: lowest cost, then (among costs equal within a relative 1e-9) fewest
/// requests in flight, then uniformly at random, so equal instances share work instead of the first in the
/// list taking every tie. Stateless.</summary>
internal static class TieBreak
{
    public static int PickMin(ReadOnlySpan<double> costs, ReadOnlySpan<int> inFlight, Random random)
    {
        double min = double.PositiveInfinity;
        foreach (double c in costs) min = Math.Min(min, c);
        double tolerance = 1e-12 + Math.Abs(min) * 1e-9;
        int fewest = int.MaxValue;
        for (int i = 0; i < costs.Length; i++)
            if (costs[i] - min <= tolerance) fewest = Math.Min(fewest, inFlight[i]);
        int ties = 0;
        for (int i = 0; i < costs.Length; i++)
            if (costs[i] - min <= tolerance && inFlight[i] == fewest) ties++;
        int pick = ties == 1 ? 0 : random.Next(ties);
        for (int i = 0; i < costs.Length; i++)
        {
            if (costs[i] - min > tolerance || inFlight[i] != fewest) continue;
            if (pick-- == 0) return i;
        }
        return 0; // unreachable: at least one candidate ties with the minimum
    }

    /// <summary>The decision for <paramref name="target"/> with whatever it has cached and no move.</summary>
    public static RoutingDecision Plain(RoutingContext context, IInstanceView target)
    {
        int cached = Math.Min(context.Match.TokensFor(target.Id), context.PromptTokens);
        return new RoutingDecision(target, cached, context.Costs.PredictPrefill(target.Id, context.PromptTokens, cached));
    }

    /// <summary>Least loaded by in-flight count, random among equals.</summary>
    public static IInstanceView LeastLoaded(RoutingContext context)
    {
        int n = context.Candidates.Count;
        Span<double> costs = n <= 128 ? stackalloc double[n] : new double[n];
        Span<int> inFlight = n <= 128 ? stackalloc int[n] : new int[n];
        for (int i = 0; i < n; i++)
        {
            inFlight[i] = context.InFlight(context.Candidates[i]);
            costs[i] = inFlight[i];
        }
        return context.Candidates[PickMin(costs, inFlight, context.Random)];
    }
}
