using System.Globalization;
using MemServe.Engine;
using Microsoft.Extensions.AI;

namespace MemServe.Extensions;

/// <summary>
/// An <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> of strings over an <see cref="ILlmEngine"/>: each value is
/// one input of one <see cref="EmbeddingRequest"/>, embedded by the engine (batched with its other work) and pooled
/// from the model's final hidden states; usage reports the input tokens. <c>GetService(typeof(ILlmEngine))</c> returns
/// the engine.
/// </summary>
/// <remarks>
/// Options: <see cref="EmbeddingGenerationOptions.Dimensions"/> truncates the vectors (Matryoshka) before they are
/// normalised; <see cref="EmbeddingGenerationOptions.ModelId"/> is ignored (an engine serves one model);
/// <see cref="EmbeddingGenerationOptions.AdditionalProperties"/> may set <c>pooling</c> (an
/// <see cref="EmbeddingPooling"/> or <c>"last_token"</c>/<c>"mean"</c>), <c>normalize</c> and
/// <c>add_special_tokens</c> (bools); any other key throws <see cref="NotSupportedException"/> naming it.
/// <see cref="EmbeddingGenerationOptions.RawRepresentationFactory"/> may return an <see cref="EmbeddingRequest"/> to
/// start from. Thread-safe. The generator never owns the engine: disposing it does nothing.
/// </remarks>
public sealed class MemServeEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly ILlmEngine _engine;
    private readonly EmbeddingGeneratorMetadata _metadata;
    private readonly TimeProvider _timeProvider;

    /// <summary>A generator embedding with <paramref name="engine"/> (not owned).</summary>
    public MemServeEmbeddingGenerator(ILlmEngine engine) : this(engine, timeProvider: null)
    {
    }

    internal MemServeEmbeddingGenerator(ILlmEngine engine, TimeProvider? timeProvider)
    {
        ArgumentNullException.ThrowIfNull(engine);
        _engine = engine;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _metadata = new EmbeddingGeneratorMetadata(MemServeMetricNames.ProviderNameValue, providerUri: null, engine.ModelInfo.Name,
            engine.ModelInfo.Config.HiddenSize);
    }

    /// <summary>The engine this generator embeds with (not owned).</summary>
    public ILlmEngine Engine => _engine;

    /// <inheritdoc />
    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        string[] inputs = [.. values];
        if (inputs.Length == 0) return new GeneratedEmbeddings<Embedding<float>>();
        EmbeddingRequest request = CreateRequest(inputs, options);
        EmbeddingResult result = await _engine.EmbedAsync(request, cancellationToken).ConfigureAwait(false);
        DateTimeOffset created = _timeProvider.GetUtcNow();
        var embeddings = new GeneratedEmbeddings<Embedding<float>>(result.Embeddings.Count)
        {
            Usage = new UsageDetails { InputTokenCount = result.PromptTokens, TotalTokenCount = result.PromptTokens },
        };
        foreach (float[] vector in result.Embeddings)
            embeddings.Add(new Embedding<float>(vector) { ModelId = _engine.ModelInfo.Name, CreatedAt = created });
        return embeddings;
    }

    /// <inheritdoc />
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(EmbeddingGeneratorMetadata)) return _metadata;
        if (serviceType == typeof(ILlmEngine)) return _engine;
        if (serviceType.IsInstanceOfType(this)) return this;
        return null;
    }

    /// <summary>Does nothing: the engine belongs to whoever created it.</summary>
    public void Dispose()
    {
    }

    internal static MemServeEmbeddingGenerator Create(MemServeLoadedEngine loaded) => new(loaded.Engine);

    private EmbeddingRequest CreateRequest(string[] inputs, EmbeddingGenerationOptions? options)
    {
        EmbeddingRequest request = options?.RawRepresentationFactory?.Invoke(this) as EmbeddingRequest ?? new EmbeddingRequest();
        request = request with { Inputs = inputs, TokenInputs = null, Dimensions = options?.Dimensions ?? request.Dimensions };
        if (options?.AdditionalProperties is not { Count: > 0 } extra) return request;
        foreach (KeyValuePair<string, object?> property in extra)
        {
            request = property.Key switch
            {
                "pooling" => request with { Pooling = ParsePooling(property.Value) },
                "normalize" => request with { Normalize = ParseBool(property) },
                "add_special_tokens" => request with { AddSpecialTokens = ParseBool(property) },
                _ => throw new NotSupportedException(
                    $"EmbeddingGenerationOptions.AdditionalProperties['{property.Key}'] is not supported; MemServe reads 'pooling', 'normalize' and 'add_special_tokens'."),
            };
        }
        return request;
    }

    /// <summary>An <see cref="EmbeddingPooling"/> from its enum value or its snake_case name (<c>last_token</c>, <c>mean</c>).</summary>
    internal static EmbeddingPooling ParsePooling(object? value) => value switch
    {
        EmbeddingPooling pooling => pooling,
        string s when s.Equals("last_token", StringComparison.OrdinalIgnoreCase) || s.Equals("lasttoken", StringComparison.OrdinalIgnoreCase)
            => EmbeddingPooling.LastToken,
        string s when s.Equals("mean", StringComparison.OrdinalIgnoreCase) => EmbeddingPooling.Mean,
        _ => throw new NotSupportedException(
            $"Pooling '{Convert.ToString(value, CultureInfo.InvariantCulture)}' is not supported; use 'last_token' or 'mean'."),
    };

    private static bool ParseBool(KeyValuePair<string, object?> property) => property.Value is bool b ? b
        : throw new NotSupportedException($"EmbeddingGenerationOptions.AdditionalProperties['{property.Key}'] must be a bool.");
}
