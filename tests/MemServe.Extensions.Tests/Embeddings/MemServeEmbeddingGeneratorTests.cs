using MemServe.Engine;
using MemServe.Extensions.DependencyInjection;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.Embeddings;

/// <summary>The <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/> registered next to the chat client, against the
/// engine's own <see cref="ILlmEngine.EmbedAsync"/>.</summary>
public sealed class MemServeEmbeddingGeneratorTests
{
    private static void AssertEqual(float[] expected, ReadOnlyMemory<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(expected.AsSpan().SequenceEqual(actual.Span), "the generator's vector differs from the engine's");
    }

    [Fact]
    public async Task AddMemServe_RegistersAnEmbeddingGeneratorOverTheSameEngine()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        ILlmEngine engine = services.GetRequiredService<ILlmEngine>();
        var generator = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        GeneratedEmbeddings<Embedding<float>> embeddings = await generator.GenerateAsync(["The cat sat.", "A dog barked loudly."]);
        EmbeddingResult expected = await engine.EmbedAsync(EmbeddingRequest.FromText("The cat sat.", "A dog barked loudly."));

        Assert.Same(generator, services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Same(engine, generator.GetService<ILlmEngine>());
        EmbeddingGeneratorMetadata metadata = generator.GetRequiredService<EmbeddingGeneratorMetadata>();
        Assert.Equal("memserve", metadata.ProviderName);
        Assert.Equal("memserve-default", metadata.DefaultModelId);
        Assert.Equal(engine.ModelInfo.Config.HiddenSize, metadata.DefaultModelDimensions);
        Assert.Equal(2, embeddings.Count);
        AssertEqual(expected.Embeddings[0], embeddings[0].Vector);
        AssertEqual(expected.Embeddings[1], embeddings[1].Vector);
        Assert.Equal("memserve-default", embeddings[0].ModelId);
        Assert.Equal(expected.PromptTokens, embeddings.Usage?.InputTokenCount);
        Assert.Equal(expected.PromptTokens, embeddings.Usage?.TotalTokenCount);
    }

    [Fact]
    public async Task AddKeyedMemServe_RegistersAKeyedGenerator()
    {
        await using ServiceProvider services = EngineServices.Build(s =>
            s.AddKeyedMemServe("alpha", o => { TestSettings.Apply(o); o.ModelName = "alpha-model"; o.EmbeddingPooling = EmbeddingPooling.Mean; }));
        ILlmEngine engine = services.GetRequiredKeyedService<ILlmEngine>("alpha");
        var generator = services.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>("alpha");

        ReadOnlyMemory<float> vector = await generator.GenerateVectorAsync("keyed engines embed too");
        EmbeddingResult mean = await engine.EmbedAsync(new EmbeddingRequest { Inputs = ["keyed engines embed too"], Pooling = EmbeddingPooling.Mean });

        Assert.Null(services.GetService<IEmbeddingGenerator<string, Embedding<float>>>());
        Assert.Equal("alpha-model", generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
        AssertEqual(mean.Embeddings[0], vector);
    }

    [Fact]
    public async Task Options_SetDimensionsPoolingAndNormalisation()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        ILlmEngine engine = services.GetRequiredService<ILlmEngine>();
        var generator = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var options = new EmbeddingGenerationOptions
        {
            Dimensions = 24,
            AdditionalProperties = new AdditionalPropertiesDictionary { ["pooling"] = "mean", ["normalize"] = false },
        };

        Embedding<float> embedding = (await generator.GenerateAsync(["options reach the engine"], options))[0];
        EmbeddingResult expected = await engine.EmbedAsync(new EmbeddingRequest
        {
            Inputs = ["options reach the engine"], Dimensions = 24, Pooling = EmbeddingPooling.Mean, Normalize = false,
        });

        AssertEqual(expected.Embeddings[0], embedding.Vector);
        Assert.Equal(24, embedding.Dimensions);
    }

    [Fact]
    public async Task UnknownAdditionalProperty_IsRefusedNamingIt()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        var generator = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var options = new EmbeddingGenerationOptions { AdditionalProperties = new AdditionalPropertiesDictionary { ["truncate"] = true } };

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => generator.GenerateAsync(["x"], options));

        Assert.Contains("'truncate'", error.Message);
    }

    [Fact]
    public async Task InvalidDimensions_AreRefusedByTheEngine()
    {
        await using ServiceProvider services = EngineServices.Build(s => s.AddMemServe(TestSettings.Apply));
        var generator = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            generator.GenerateAsync(["x"], new EmbeddingGenerationOptions { Dimensions = 100000 }));

        Assert.Contains("Dimensions", error.Message);
    }
}
