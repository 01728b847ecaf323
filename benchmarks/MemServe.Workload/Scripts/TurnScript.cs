namespace MemServe.Workload.Scripts;

/// <summary>
/// One request of a session, as the generator planned it. Immutable.
/// </summary>
/// <param name="NewTokens">Tokens this turn adds. In a session that carries history they follow the previous
/// prompt and its generated answer; otherwise they are the whole prompt.</param>
/// <param name="OutputTokens">Tokens the engine is asked to generate (EOS ignored, so exactly this many).</param>
/// <param name="ThinkTime">Pause after the previous turn of the session finished before this one is submitted
/// (for the first turn: after the session's start).</param>
/// <param name="NotBefore">Earliest submission time, from the start of the run (trace timestamps); null when
/// only the session order and <paramref name="ThinkTime"/> decide.</param>
internal sealed record TurnScript(int[] NewTokens, int OutputTokens, TimeSpan ThinkTime, TimeSpan? NotBefore = null);
