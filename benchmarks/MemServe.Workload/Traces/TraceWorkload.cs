using MemServe.Workload.Generators;
using MemServe.Workload.Scripts;

namespace MemServe.Workload.Traces;

/// <summary>
/// Replays a Mooncake trace scaled down to a small model. Requests are grouped into conversations by their
/// first two hash ids (a conversation's later turns extend its earlier prompts); each conversation becomes a
/// session whose turns keep their scaled trace timestamps but are submitted only after the previous turn
/// finished. Lengths shrink by 512 / <see cref="TraceOptions.BlockTokens"/>, times by
/// <see cref="TraceOptions.TimeFactor"/>.
/// </summary>
internal static class TraceWorkload
{
    /// <summary>Builds the replay for <paramref name="trace"/> within <paramref name="options"/>'s model limits.</summary>
    public static WorkloadScript Create(TraceOptions trace, GeneratorOptions options)
    {
        List<MooncakeRequest> requests = MooncakeTrace.Read(trace.Path);
        var groups = new Dictionary<(int, int), List<MooncakeRequest>>();
        var order = new List<(int, int)>();
        foreach (MooncakeRequest request in requests)
        {
            (int, int) key = (request.HashIds.Length > 0 ? request.HashIds[0] : -1, request.HashIds.Length > 1 ? request.HashIds[1] : -1);
            if (!groups.TryGetValue(key, out List<MooncakeRequest>? group))
            {
                groups[key] = group = [];
                order.Add(key);
            }
            group.Add(request);
        }

        int lengthFactor = MooncakeTrace.TraceBlockTokens / trace.BlockTokens;
        int wanted = options.Scaled(trace.Conversations);
        var chosen = new List<List<MooncakeRequest>>();
        foreach ((int, int) key in order)
        {
            if (groups[key].Count >= 2) chosen.Add(groups[key]);
            if (chosen.Count == wanted) break;
        }
        long origin = long.MaxValue;
        foreach (List<MooncakeRequest> group in chosen) origin = Math.Min(origin, group[0].TimestampMs);

        var sessions = new List<SessionScript>(chosen.Count);
        int maxPrompt = Math.Min(trace.MaxPromptTokens, options.ContextTokens - trace.MaxOutputTokens);
        foreach (List<MooncakeRequest> group in chosen)
        {
            var turns = new List<TurnScript>(group.Count);
            foreach (MooncakeRequest request in group)
            {
                int[] prompt = MooncakeTrace.Prompt(request, trace.BlockTokens, maxPrompt, options.VocabSize);
                int output = Math.Clamp((request.OutputLength + lengthFactor / 2) / lengthFactor, 1, trace.MaxOutputTokens);
                TimeSpan arrival = TimeSpan.FromMilliseconds((request.TimestampMs - origin) * trace.TimeFactor);
                turns.Add(new TurnScript(prompt, output, TimeSpan.Zero, arrival));
            }
            sessions.Add(new SessionScript($"conv-{group[0].HashIds[0]}-{(group[0].HashIds.Length > 1 ? group[0].HashIds[1] : -1)}",
                turns[0].NotBefore ?? TimeSpan.Zero, CarriesHistory: false, turns));
        }
        sessions.Sort((a, b) => a.Start.CompareTo(b.Start));
        return new WorkloadScript("trace",
            $"{System.IO.Path.GetFileName(trace.Path)}: {sessions.Count} conversations; lengths ÷{lengthFactor} (512-token hash block → {trace.BlockTokens} tokens, prompts ≤ {maxPrompt}, outputs ≤ {trace.MaxOutputTokens}); times ×{trace.TimeFactor}",
            sessions);
    }
}
