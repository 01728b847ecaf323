namespace MemServe.Engine;

/// <summary>
/// <see cref="LlmEngine.EmbedAsync"/>: one prefill-only sequence per input, admitted through the engine's admission
/// queue and batched by its thread with everything else (chunked like any prefill); no LM head runs for them. Each
/// sequence frees its KV blocks in the step that computes its last token. Cancelling abandons every sequence of the
/// request (their blocks are freed within one step). The caller's thread finishes the vectors.
/// </summary>
/// <remarks>
/// Prefix-cache policy: last-token pooling reuses cached prefix blocks (the last token is always recomputed, and
/// only its state is pooled) and publishes its full prompt blocks like a generation's prompt; mean pooling needs the
/// hidden state of every position, which the cache does not keep, so it neither reuses nor publishes.
/// </remarks>
internal static class EngineEmbeddings
{
    public static async Task<EmbeddingResult> RunAsync(LlmEngine engine, EmbeddingRequest request, int[][] inputs,
        EmbeddingPooling pooling, CancellationToken cancellationToken)
    {
        var sequences = new Sequence[inputs.Length];
        int hidden = engine.ModelInfo.Config.HiddenSize, tokens = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            sequences[i] = engine.CreateEmbeddingSequence(inputs[i], new EmbeddingJob(pooling, hidden),
                useCache: pooling == EmbeddingPooling.LastToken);
            tokens += inputs[i].Length;
        }
        var raw = new float[inputs.Length][];
        int admitted = 0;
        try
        {
            using (cancellationToken.Register(() => AbandonAll(engine, sequences)))
            {
                for (; admitted < sequences.Length; admitted++)
                {
                    bool wait = admitted > 0 || request.WaitForAdmission; // only the first input may be refused
                    await engine.AdmitAsync(sequences[admitted], wait, cancellationToken).ConfigureAwait(false);
                }
                for (int i = 0; i < sequences.Length; i++) raw[i] = await sequences[i].Embedding!.Task.ConfigureAwait(false);
            }
        }
        catch
        {
            for (int i = 0; i < admitted; i++) engine.Loop.Abandon(sequences[i]);
            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
        var vectors = new float[inputs.Length][];
        for (int i = 0; i < vectors.Length; i++)
            vectors[i] = EmbeddingVectors.Finish(raw[i], pooling, inputs[i].Length, request.Dimensions, request.Normalize);
        return new EmbeddingResult(vectors, tokens);
    }

    private static void AbandonAll(LlmEngine engine, Sequence[] sequences)
    {
        foreach (Sequence sequence in sequences) engine.Loop.Abandon(sequence);
    }
}
