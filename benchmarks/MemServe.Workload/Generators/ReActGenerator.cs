using MemServe.Workload.Scripts;

namespace MemServe.Workload.Generators;

/// <summary>
/// ReAct-like agent loops: every session starts from one long few-shot prefix (shared by all sessions) plus
/// its own question; each step the engine generates a thought and an action, the tool's observation is
/// appended, and the whole trajectory is resent. Long prompts, short outputs; reuse is the few-shot prefix
/// across sessions and the trajectory within one.
/// </summary>
internal static class ReActGenerator
{
    /// <summary>Sessions before <see cref="GeneratorOptions.Scale"/>.</summary>
    public const int Sessions = 4;

    /// <summary>Tokens of the shared few-shot prefix.</summary>
    public const int FewShotTokens = 512;

    /// <summary>Builds the workload for <paramref name="options"/>.</summary>
    public static WorkloadScript Create(GeneratorOptions options)
    {
        var tokens = new TokenSource(options.Seed, options.VocabSize);
        var arrivals = new ArrivalProcess(options.Seed + 1, options.SessionsPerSecond);
        int fewShotTokens = Math.Min(FewShotTokens, options.ContextTokens / 2);
        int[] fewShot = tokens.Next(fewShotTokens);
        int sessionCount = options.Scaled(Sessions);
        var sessions = new List<SessionScript>(sessionCount);
        for (int s = 0; s < sessionCount; s++)
        {
            int steps = tokens.Between(3, 4);
            var turns = new List<TurnScript>(steps);
            int[] question = tokens.Next(tokens.Between(24, 48));
            int history = 0;
            for (int step = 0; step < steps; step++)
            {
                // Step 0 sends the few-shot prefix and the question; later steps send the last observation.
                int[] added = step == 0 ? [.. fewShot, .. question] : tokens.Next(tokens.Between(24, 64));
                int thoughtAndAction = tokens.Between(16, 24);
                if (history + added.Length + thoughtAndAction > options.ContextTokens) break;
                history += added.Length + thoughtAndAction;
                TimeSpan toolTime = step == 0 ? TimeSpan.Zero : arrivals.Think(options.MeanThinkTime);
                turns.Add(new TurnScript(added, thoughtAndAction, toolTime));
            }
            sessions.Add(new SessionScript($"agent-{s}", arrivals.Next(), CarriesHistory: true, turns));
        }
        return new WorkloadScript("react",
            $"{sessionCount} agents, shared few-shot prefix of {fewShotTokens} tokens, 3-4 steps of thought+action 16-24 tokens and observations 24-64 tokens",
            sessions);
    }
}
