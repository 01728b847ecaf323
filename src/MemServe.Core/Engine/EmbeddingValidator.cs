using System.Diagnostics.CodeAnalysis;
using MemServe.Tokenization;

namespace MemServe.Engine;

/// <summary>
/// Checks an <see cref="EmbeddingRequest"/> before it is queued and turns its inputs into token ids. Every error
/// names the property (and input index) at fault. Immutable and thread-safe.
/// </summary>
internal sealed class EmbeddingValidator
{
    private readonly ITokenizer _tokenizer;
    private readonly int _vocabSize;
    private readonly int _hiddenSize;
    private readonly int _modelContextTokens;
    private readonly int _poolTokens;
    private readonly int _poolBlocks;

    public EmbeddingValidator(ITokenizer tokenizer, int vocabSize, int hiddenSize, int modelContextTokens, int poolBlocks, int blockTokens)
    {
        _tokenizer = tokenizer;
        _vocabSize = vocabSize;
        _hiddenSize = hiddenSize;
        _modelContextTokens = modelContextTokens;
        _poolBlocks = poolBlocks;
        _poolTokens = poolBlocks * blockTokens;
    }

    /// <summary>Validates <paramref name="request"/> and returns each input's token ids (fresh arrays).</summary>
    /// <exception cref="InvalidRequestException">A field is invalid; the message names it.</exception>
    /// <exception cref="MemoryBudgetExceededException">An input needs more KV blocks than the whole pool has.</exception>
    public int[][] Validate(EmbeddingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Pooling is { } pooling && !Enum.IsDefined(pooling)) Fail($"Pooling {(int)pooling} is not an EmbeddingPooling value.");
        if (request.Dimensions is { } d && (d < 1 || d > _hiddenSize))
            Fail($"Dimensions must be in [1, {_hiddenSize}] (the model's hidden size); got {d}.");
        if (request.Inputs is not null && request.TokenInputs is not null) Fail("Set either Inputs or TokenInputs, not both.");
        int[][] inputs = request.Inputs is { } texts ? Encode(texts, request.AddSpecialTokens)
            : request.TokenInputs is { } tokens ? Copy(tokens)
            : Fail<int[][]>("Inputs or TokenInputs is required.");
        string field = request.Inputs is null ? "TokenInputs" : "Inputs";
        for (int i = 0; i < inputs.Length; i++)
        {
            int length = inputs[i].Length;
            if (length > _modelContextTokens)
            {
                Fail($"{field}[{i}] has {length} tokens, but the context holds {_modelContextTokens} tokens " +
                     "(max_position_embeddings or LlmEngineOptions.MaxContextTokens).");
            }
            if (length > _poolTokens)
            {
                throw new MemoryBudgetExceededException(
                    $"{field}[{i}] has {length} tokens, but the whole KV cache holds {_poolTokens} tokens ({_poolBlocks} blocks); " +
                    "the input could never run. Raise LlmEngineOptions.MemoryBudgetBytes or MaxKvBlocks.");
            }
        }
        return inputs;
    }

    private int[][] Encode(IReadOnlyList<string> texts, bool addSpecialTokens)
    {
        CheckCount(texts.Count, "Inputs");
        var inputs = new int[texts.Count][];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (string.IsNullOrEmpty(texts[i])) Fail($"Inputs[{i}] is empty.");
            inputs[i] = _tokenizer.Encode(texts[i], addSpecialTokens);
            if (inputs[i].Length == 0) Fail($"Inputs[{i}] encodes to no tokens.");
        }
        return inputs;
    }

    private int[][] Copy(IReadOnlyList<IReadOnlyList<int>> tokenInputs)
    {
        CheckCount(tokenInputs.Count, "TokenInputs");
        var inputs = new int[tokenInputs.Count][];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (tokenInputs[i] is not { Count: > 0 } ids) { Fail($"TokenInputs[{i}] is empty."); return []; }
            inputs[i] = new int[ids.Count];
            for (int j = 0; j < ids.Count; j++)
            {
                if ((uint)ids[j] >= (uint)_vocabSize) Fail($"TokenInputs[{i}][{j}] = {ids[j]} is outside the vocabulary [0, {_vocabSize}).");
                inputs[i][j] = ids[j];
            }
        }
        return inputs;
    }

    private static void CheckCount(int count, string field)
    {
        if (count == 0) Fail($"{field} is empty.");
        if (count > EmbeddingRequest.MaxInputs) Fail($"{field} has {count} entries; at most {EmbeddingRequest.MaxInputs} are allowed per request.");
    }

    [DoesNotReturn]
    private static void Fail(string message) => throw new InvalidRequestException(message);

    [DoesNotReturn]
    private static T Fail<T>(string message) => throw new InvalidRequestException(message);
}
