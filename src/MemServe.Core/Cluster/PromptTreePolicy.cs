namespace MemServe.Cluster;

/// <summary>
/// <see cref="RoutingPolicies.PromptTree"/> (MemServe): for each candidate p, predicted completion =
/// queue drain(p) + exec(x, y_p), where y_p is what p holds of the prompt; picks the minimum. If another
/// candidate q holds a longer prefix, p may instead receive q's extra KV: that option is taken only when
/// transfer(q→p) ≤ exec(x, y_p) − exec(x, y_q) (MemServe's rule), and then counts as
/// drain(p) + transfer + exec(x, y_q). On a miss everywhere this reduces to least predicted drain, then fewest
/// in flight, then random: a miss goes by load, never to "the emptiest cache".
/// </summary>
internal sealed class PromptTreePolicy(RoutingPolicyOptions options) : IRoutingPolicy
{
    public string Name => RoutingPolicies.PromptTree;

    public RoutingDecision Route(RoutingContext context)
    {
        IReadOnlyList<IInstanceView> candidates = context.Candidates;
        int n = candidates.Count;
        var decisions = new RoutingDecision[n];
        Span<double> totals = n <= 128 ? stackalloc double[n] : new double[n];
        Span<int> inFlight = n <= 128 ? stackalloc int[n] : new int[n];
        IInstanceView? source = LongestHolder(context);
        for (int i = 0; i < n; i++)
        {
            IInstanceView p = candidates[i];
            TimeSpan drain = context.QueueDrain(p);
            RoutingDecision stay = TieBreak.Plain(context, p);
            decisions[i] = stay;
            totals[i] = (drain + stay.PredictedPrefill).TotalSeconds;
            inFlight[i] = context.InFlight(p);
            if (source is null || source.Id == p.Id || !options.AllowKvMoves) continue;

            int longest = Math.Min(context.Match.TokensFor(source.Id), context.PromptTokens);
            if (longest <= stay.CachedTokens) continue;
            TimeSpan transfer = context.Costs.PredictTransfer(source.Id, p.Id, longest - stay.CachedTokens);
            TimeSpan moved = context.Costs.PredictPrefill(p.Id, context.PromptTokens, longest);
            TimeSpan saved = stay.PredictedPrefill - moved;
            if (transfer > saved) continue;
            decisions[i] = new RoutingDecision(p, longest, moved,
                new KvMovePlan(source.Id, stay.CachedTokens, longest, transfer, saved));
            totals[i] = (drain + transfer + moved).TotalSeconds;
        }
        return decisions[TieBreak.PickMin(totals, inFlight, context.Random)];
    }

    /// <summary>The candidate with the longest match, or null on a miss (or when it is not a candidate).</summary>
    private static IInstanceView? LongestHolder(RoutingContext context)
    {
        IInstanceView? best = null;
        int bestTokens = 0;
        foreach (IInstanceView c in context.Candidates)
        {
            int tokens = context.Match.TokensFor(c.Id);
            if (tokens > bestTokens) (best, bestTokens) = (c, tokens);
        }
        return best;
    }
}
