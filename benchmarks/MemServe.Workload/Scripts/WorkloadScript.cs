namespace MemServe.Workload.Scripts;

/// <summary>
/// A generated (or replayed) workload: named sessions with their arrival times. Deterministic for a given
/// seed and size; immutable.
/// </summary>
/// <param name="Name">Short name used in tables and JSON (<c>sharegpt</c>, <c>loogle</c>, <c>react</c>, <c>trace</c>).</param>
/// <param name="Description">One line: the shape and sizes, including any scaling factors applied.</param>
/// <param name="Sessions">The sessions, ordered by start time.</param>
internal sealed record WorkloadScript(string Name, string Description, IReadOnlyList<SessionScript> Sessions)
{
    /// <summary>Requests in the workload (turns over all sessions).</summary>
    public int RequestCount
    {
        get
        {
            int count = 0;
            foreach (SessionScript session in Sessions) count += session.Turns.Count;
            return count;
        }
    }

    /// <summary>The longest prompt a session can reach, assuming each answer has its full
    /// <see cref="TurnScript.OutputTokens"/>: the generators keep this within the model's context.</summary>
    public int LongestPromptTokens
    {
        get
        {
            int longest = 0;
            foreach (SessionScript session in Sessions)
            {
                int history = 0;
                foreach (TurnScript turn in session.Turns)
                {
                    int prompt = session.CarriesHistory ? history + turn.NewTokens.Length : turn.NewTokens.Length;
                    longest = Math.Max(longest, prompt + turn.OutputTokens);
                    history = prompt + turn.OutputTokens;
                }
            }
            return longest;
        }
    }
}
