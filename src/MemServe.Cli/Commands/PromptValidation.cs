namespace MemServe.Cli.Commands;

/// <summary>Checks prompt ids before any compute: non-empty, inside the vocabulary, inside the context.</summary>
internal static class PromptValidation
{
    public static void Validate(ReadOnlySpan<int> ids, int vocabSize, int contextTokens)
    {
        if (ids.Length == 0) throw new InvalidRequestException("The prompt is empty: give at least one token id.");
        if (ids.Length > contextTokens)
            throw new InvalidRequestException($"The prompt has {ids.Length} tokens but the model's context is {contextTokens} tokens (max_position_embeddings).");
        for (int i = 0; i < ids.Length; i++)
        {
            if ((uint)ids[i] >= (uint)vocabSize)
                throw new InvalidRequestException($"Prompt token {i} is {ids[i]}, outside the vocabulary [0, {vocabSize}).");
        }
    }
}
