using MemServe.Workload.Scripts;

namespace MemServe.Workload.Generators;

/// <summary>
/// ShareGPT-like multi-turn chats: each session is a conversation of several turns; every turn's prompt is
/// the whole history (earlier user messages and the engine's answers) plus a new user message. Outputs are
/// long relative to the messages, so decode weighs more than in the other workloads. Sessions share no
/// prefix with each other: all reuse is within a session.
/// </summary>
internal static class ShareGptGenerator
{
    /// <summary>Sessions before <see cref="GeneratorOptions.Scale"/>.</summary>
    public const int Sessions = 6;

    /// <summary>Builds the workload for <paramref name="options"/>.</summary>
    public static WorkloadScript Create(GeneratorOptions options)
    {
        var tokens = new TokenSource(options.Seed, options.VocabSize);
        var arrivals = new ArrivalProcess(options.Seed + 1, options.SessionsPerSecond);
        int sessionCount = options.Scaled(Sessions);
        var sessions = new List<SessionScript>(sessionCount);
        for (int s = 0; s < sessionCount; s++)
        {
            int turnCount = tokens.Between(3, 5);
            var turns = new List<TurnScript>(turnCount);
            int history = 0;
            for (int t = 0; t < turnCount; t++)
            {
                int message = tokens.Between(24, 96), answer = tokens.Between(16, 32);
                if (history + message + answer > options.ContextTokens) break;
                history += message + answer;
                TimeSpan think = t == 0 ? TimeSpan.Zero : arrivals.Think(options.MeanThinkTime);
                turns.Add(new TurnScript(tokens.Next(message), answer, think));
            }
            sessions.Add(new SessionScript($"chat-{s}", arrivals.Next(), CarriesHistory: true, turns));
        }
        return new WorkloadScript("sharegpt",
            $"{sessionCount} chats of 3-5 turns, user messages 24-96 tokens, answers 16-32 tokens, whole history resent each turn",
            sessions);
    }
}
