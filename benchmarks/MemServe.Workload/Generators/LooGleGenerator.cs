using MemServe.Workload.Scripts;

namespace MemServe.Workload.Generators;

/// <summary>
/// LooGLE-like long-document QA: a few long documents; each document is read by several sessions (the
/// paper's "share ratio"), each asking a few short questions with short answers. A prompt is the document
/// plus one question, so the reuse is the document prefix, within and across sessions. Sessions of one
/// document arrive at different times (they are shuffled into the Poisson arrival order).
/// </summary>
internal static class LooGleGenerator
{
    /// <summary>Documents before <see cref="GeneratorOptions.Scale"/>.</summary>
    public const int Documents = 2;

    /// <summary>Sessions per document (share ratio).</summary>
    public const int ShareRatio = 3;

    /// <summary>Questions per session.</summary>
    public const int Questions = 2;

    /// <summary>Document length in tokens (the model's context is 2,048).</summary>
    public const int DocumentTokens = 768;

    /// <summary>Builds the workload for <paramref name="options"/>.</summary>
    public static WorkloadScript Create(GeneratorOptions options)
    {
        var tokens = new TokenSource(options.Seed, options.VocabSize);
        var arrivals = new ArrivalProcess(options.Seed + 1, options.SessionsPerSecond);
        int documentCount = options.Scaled(Documents);
        int documentTokens = Math.Min(DocumentTokens, options.ContextTokens - 64);
        var documents = new int[documentCount][];
        for (int d = 0; d < documentCount; d++) documents[d] = tokens.Next(documentTokens);

        var order = new List<int>();
        for (int d = 0; d < documentCount; d++)
            for (int r = 0; r < ShareRatio; r++) order.Add(d);
        for (int i = order.Count - 1; i > 0; i--)
        {
            int j = tokens.Between(0, i);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var sessions = new List<SessionScript>(order.Count);
        for (int s = 0; s < order.Count; s++)
        {
            int[] document = documents[order[s]];
            var turns = new List<TurnScript>(Questions);
            for (int q = 0; q < Questions; q++)
            {
                int[] question = tokens.Next(tokens.Between(12, 32));
                TimeSpan think = q == 0 ? TimeSpan.Zero : arrivals.Think(options.MeanThinkTime);
                turns.Add(new TurnScript([.. document, .. question], tokens.Between(4, 12), think));
            }
            sessions.Add(new SessionScript($"doc{order[s]}-reader-{s}", arrivals.Next(), CarriesHistory: false, turns));
        }
        return new WorkloadScript("loogle",
            $"{documentCount} documents of {documentTokens} tokens, {ShareRatio} sessions each (share ratio), {Questions} questions of 12-32 tokens, answers 4-12 tokens",
            sessions);
    }
}
