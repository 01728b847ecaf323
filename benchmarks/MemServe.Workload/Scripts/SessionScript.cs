namespace MemServe.Workload.Scripts;

/// <summary>
/// A session: turns submitted strictly in order, each only after the previous one finished (plus its think
/// time). Immutable; the runner builds each prompt from <see cref="Turns"/> and the answers the engine gives.
/// </summary>
/// <param name="Id">Session id, unique within a workload (also used as the request's session id where the
/// engine routes by session).</param>
/// <param name="Start">Arrival of the session's first turn, from the start of the run.</param>
/// <param name="CarriesHistory">True: turn k's prompt = turn k−1's prompt + its answer + turn k's new tokens
/// (a chat or an agent trajectory). False: every turn's <see cref="TurnScript.NewTokens"/> is its whole
/// prompt (independent questions over a shared document, trace requests).</param>
/// <param name="Turns">The turns, in submission order.</param>
internal sealed record SessionScript(string Id, TimeSpan Start, bool CarriesHistory, IReadOnlyList<TurnScript> Turns);
