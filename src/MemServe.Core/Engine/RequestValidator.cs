using System.Diagnostics.CodeAnalysis;
using MemServe.Sampling;
using MemServe.Tokenization;

namespace MemServe.Engine;

/// <summary>
/// Checks a <see cref="GenerationRequest"/> before it is queued and turns its prompt into token ids.
/// Every error names the property at fault. Immutable and thread-safe.
/// </summary>
internal sealed class RequestValidator
{
    private readonly ITokenizer _tokenizer;
    private readonly int _vocabSize;
    private readonly int _modelContextTokens;
    private readonly int _poolTokens;
    private readonly int _poolBlocks;

    /// <param name="tokenizer">Encodes text prompts.</param>
    /// <param name="vocabSize">Logit row width: token ids must be below it.</param>
    /// <param name="modelContextTokens">Longest context the model (and the engine options) allow.</param>
    /// <param name="poolBlocks">Blocks in the whole KV pool.</param>
    /// <param name="blockTokens">Tokens per block.</param>
    public RequestValidator(ITokenizer tokenizer, int vocabSize, int modelContextTokens, int poolBlocks, int blockTokens)
    {
        _tokenizer = tokenizer;
        _vocabSize = vocabSize;
        _modelContextTokens = modelContextTokens;
        _poolBlocks = poolBlocks;
        _poolTokens = poolBlocks * blockTokens;
    }

    /// <summary>Validates <paramref name="request"/> and returns its prompt ids (a fresh array).</summary>
    /// <exception cref="InvalidRequestException">A field is invalid; the message names it.</exception>
    /// <exception cref="MemoryBudgetExceededException">The prompt needs more KV blocks than the whole pool has.</exception>
    public int[] Validate(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ValidateSampling(request.Sampling);
        if (request.MaxTokens < 1) Fail($"MaxTokens must be at least 1 (got {request.MaxTokens}).");
        if (request.StopStrings is null) Fail("StopStrings must not be null (use an empty list).");
        if (request.StopTokenIds is null) Fail("StopTokenIds must not be null (use an empty list).");
        for (int i = 0; i < request.StopStrings.Count; i++)
        {
            if (string.IsNullOrEmpty(request.StopStrings[i])) Fail($"StopStrings[{i}] is empty.");
        }
        for (int i = 0; i < request.StopTokenIds.Count; i++) CheckTokenId(request.StopTokenIds[i], $"StopTokenIds[{i}]");
        if (request.N < 1 || request.N > GenerationRequest.MaxChoices)
            Fail($"N must be between 1 and {GenerationRequest.MaxChoices} (got {request.N}).");
        if (request.Logprobs is { } top && (uint)top > GenerationRequest.MaxTopLogprobs)
            Fail($"Logprobs must be null (off) or 0 to {GenerationRequest.MaxTopLogprobs} alternatives (got {top}).");
        if (request.Sampling.LogitBias is { } bias) ValidateLogitBias(bias);

        int[] prompt = Tokenize(request);
        for (int i = 0; i < prompt.Length; i++) CheckTokenId(prompt[i], $"PromptTokenIds[{i}]");
        if (prompt.Length + 1 > _modelContextTokens)
        {
            Fail($"Prompt has {prompt.Length} tokens, but the context holds {_modelContextTokens} tokens " +
                 "(max_position_embeddings or LlmEngineOptions.MaxContextTokens) and prompt + 1 generated token must fit.");
        }
        if (prompt.Length + 1 > _poolTokens)
        {
            throw new MemoryBudgetExceededException(
                $"Prompt has {prompt.Length} tokens, but the whole KV cache holds {_poolTokens} tokens " +
                $"({_poolBlocks} blocks); the request could never run. Raise LlmEngineOptions.MemoryBudgetBytes or MaxKvBlocks.");
        }
        return prompt;
    }

    private int[] Tokenize(GenerationRequest request)
    {
        if (request.Prompt is not null && request.PromptTokenIds is not null)
            Fail("Set either Prompt or PromptTokenIds, not both.");
        if (request.Prompt is { } text)
        {
            if (text.Length == 0) Fail("Prompt is empty.");
            int[] ids = _tokenizer.Encode(text, request.AddSpecialTokens);
            if (ids.Length == 0) Fail("Prompt encodes to no tokens.");
            return ids;
        }
        if (request.PromptTokenIds is not { } tokens) { Fail("Prompt or PromptTokenIds is required."); return []; }
        if (tokens.Count == 0) Fail("PromptTokenIds is empty.");
        var prompt = new int[tokens.Count];
        for (int i = 0; i < prompt.Length; i++) prompt[i] = tokens[i];
        return prompt;
    }

    private static void ValidateSampling(SamplingParameters? sampling)
    {
        if (sampling is null) { Fail("Sampling is required."); return; }
        if (!(sampling.Temperature >= 0) || float.IsInfinity(sampling.Temperature))
            Fail($"Sampling.Temperature must be a finite number ≥ 0 (got {sampling.Temperature}).");
        if (sampling.TopK < 0) Fail($"Sampling.TopK must be ≥ 0 (got {sampling.TopK}).");
        if (!(sampling.TopP > 0 && sampling.TopP <= 1)) Fail($"Sampling.TopP must be in (0, 1] (got {sampling.TopP}).");
        if (!(sampling.MinP >= 0 && sampling.MinP <= 1)) Fail($"Sampling.MinP must be in [0, 1] (got {sampling.MinP}).");
        if (!(sampling.RepetitionPenalty > 0) || float.IsInfinity(sampling.RepetitionPenalty))
            Fail($"Sampling.RepetitionPenalty must be a finite number > 0 (got {sampling.RepetitionPenalty}).");
        if (!float.IsFinite(sampling.PresencePenalty)) Fail($"Sampling.PresencePenalty must be finite (got {sampling.PresencePenalty}).");
        if (!float.IsFinite(sampling.FrequencyPenalty)) Fail($"Sampling.FrequencyPenalty must be finite (got {sampling.FrequencyPenalty}).");
    }

    private void ValidateLogitBias(IReadOnlyDictionary<int, float> bias)
    {
        foreach (KeyValuePair<int, float> entry in bias)
        {
            CheckTokenId(entry.Key, $"Sampling.LogitBias[{entry.Key}]");
            if (!(Math.Abs(entry.Value) <= SamplingParameters.MaxLogitBias))
                Fail($"Sampling.LogitBias[{entry.Key}] = {entry.Value} is outside [-{SamplingParameters.MaxLogitBias}, {SamplingParameters.MaxLogitBias}].");
        }
    }

    private void CheckTokenId(int id, string field)
    {
        if ((uint)id >= (uint)_vocabSize) Fail($"{field} = {id} is outside the vocabulary [0, {_vocabSize}).");
    }

    [DoesNotReturn]
    private static void Fail(string message) => throw new InvalidRequestException(message);
}
