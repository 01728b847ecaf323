using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;

namespace MemServe.Core.Tests.Engine;

/// <summary><see cref="LlmEngine.EmbedAsync"/> on the real CPU runner with tiny random models, against the slow
/// <see cref="ReferenceModel"/>'s final hidden states pooled by hand.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class EmbeddingEngineTests
{
    private static readonly FakeTokenizer Tokenizer = new() { VocabSize = 150 };

    private static LlmEngine Create(string kind = "qwen3", LlmEngineOptions? options = null, int seed = 1)
    {
        var (config, weights) = TinyModels.Create(kind, DType.F32, seed);
        return LlmEngine.Create(config, weights, Tokenizer, (options ?? new LlmEngineOptions()) with
        {
            Threads = 1,
            MemoryBudgetBytes = 64L << 20,
            OwnsWeights = true,
        });
    }

    /// <summary>The reference: final hidden states of <paramref name="tokens"/>, pooled, optionally normalised.</summary>
    private static float[] Reference(string kind, int[] tokens, EmbeddingPooling pooling, bool normalize = true, int seed = 1)
    {
        var (config, weights) = TinyModels.Create(kind, DType.F32, seed);
        using InMemoryTensorSource owned = weights;
        double[][] hidden = new ReferenceModel(config, weights).FinalHiddenStates(tokens);
        var pooled = new double[config.HiddenSize];
        if (pooling == EmbeddingPooling.LastToken) hidden[^1].CopyTo(pooled, 0);
        else
        {
            foreach (double[] row in hidden)
                for (int j = 0; j < pooled.Length; j++) pooled[j] += row[j] / tokens.Length;
        }
        double norm = normalize ? Math.Sqrt(pooled.Sum(v => v * v)) : 1;
        return pooled.Select(v => (float)(v / norm)).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, double relative = 1e-4, string context = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1e-6, expected.Max(Math.Abs)), diff = 0;
        for (int i = 0; i < expected.Length; i++) diff = Math.Max(diff, Math.Abs(expected[i] - actual[i]));
        Assert.True(diff <= relative * scale, $"{context}: max diff {diff:G4} exceeds {relative} × {scale:G4}");
    }

    [Theory]
    [InlineData("qwen3", EmbeddingPooling.LastToken)]
    [InlineData("qwen3", EmbeddingPooling.Mean)]
    [InlineData("llama", EmbeddingPooling.LastToken)]
    [InlineData("mistral", EmbeddingPooling.Mean)]
    public async Task Pooled_vector_equals_the_reference_final_hidden_states_pooled_by_hand(string kind, EmbeddingPooling pooling)
    {
        int[] tokens = TinyModels.Tokens(19, 150, seed: 3);
        await using LlmEngine engine = Create(kind);

        EmbeddingResult result = await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Pooling = pooling })
            .WaitAsync(TestEngines.Patience);

        Assert.Equal(19, result.PromptTokens);
        AssertClose(Reference(kind, tokens, pooling), result.Embeddings[0], context: $"{kind} {pooling}");
    }

    [Theory]
    [InlineData(EmbeddingPooling.LastToken)]
    [InlineData(EmbeddingPooling.Mean)]
    public async Task A_prompt_longer_than_the_step_budget_is_chunked_and_still_equals_the_reference(EmbeddingPooling pooling)
    {
        int[] tokens = TinyModels.Tokens(41, 150, seed: 4);
        await using LlmEngine engine = Create(options: new LlmEngineOptions { MaxBatchTokens = 8, BlockTokens = 4 });

        EmbeddingResult result = await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Pooling = pooling, Normalize = false })
            .WaitAsync(TestEngines.Patience);

        AssertClose(Reference("qwen3", tokens, pooling, normalize: false), result.Embeddings[0], context: $"chunked {pooling}");
    }

    [Fact]
    public async Task Last_token_and_mean_pooling_give_different_vectors()
    {
        int[] tokens = TinyModels.Tokens(12, 150, seed: 5);
        await using LlmEngine engine = Create();

        float[] last = (await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Pooling = EmbeddingPooling.LastToken })).Embeddings[0];
        float[] mean = (await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Pooling = EmbeddingPooling.Mean })).Embeddings[0];

        Assert.True(last.Zip(mean).Max(p => Math.Abs(p.First - p.Second)) > 1e-3);
    }

    [Fact]
    public async Task The_engine_option_sets_the_default_pooling_and_the_request_overrides_it()
    {
        int[] tokens = TinyModels.Tokens(10, 150, seed: 6);
        await using LlmEngine engine = Create(options: new LlmEngineOptions { EmbeddingPooling = EmbeddingPooling.Mean });

        float[] byDefault = (await engine.EmbedAsync(EmbeddingRequest.FromTokens(tokens))).Embeddings[0];
        float[] overridden = (await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Pooling = EmbeddingPooling.LastToken })).Embeddings[0];

        AssertClose(Reference("qwen3", tokens, EmbeddingPooling.Mean), byDefault, context: "engine default");
        AssertClose(Reference("qwen3", tokens, EmbeddingPooling.LastToken), overridden, context: "request override");
    }

    [Fact]
    public async Task Normalised_vectors_have_unit_norm_and_truncation_keeps_the_leading_components()
    {
        int[] tokens = TinyModels.Tokens(9, 150, seed: 7);
        await using LlmEngine engine = Create();

        float[] raw = (await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Normalize = false })).Embeddings[0];
        float[] unit = (await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens] })).Embeddings[0];
        float[] truncated = (await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Dimensions = 16 })).Embeddings[0];

        Assert.Equal(64, raw.Length);
        Assert.Equal(1.0, Math.Sqrt(unit.Sum(v => (double)v * v)), 1e-5);
        Assert.True(Math.Sqrt(raw.Sum(v => (double)v * v)) > 1.5, "the raw final-norm state is not unit length");
        double rawNorm = Math.Sqrt(raw.Sum(v => (double)v * v));
        AssertClose(raw.Select(v => (float)(v / rawNorm)).ToArray(), unit, context: "normalised = raw / |raw|");
        Assert.Equal(16, truncated.Length);
        double headNorm = Math.Sqrt(raw.Take(16).Sum(v => (double)v * v));
        AssertClose(raw.Take(16).Select(v => (float)(v / headNorm)).ToArray(), truncated, context: "truncated then normalised");
    }

    [Fact]
    public async Task Several_inputs_in_one_request_equal_embedding_them_one_by_one()
    {
        int[][] inputs = [TinyModels.Tokens(5, 150, 8), TinyModels.Tokens(23, 150, 9), TinyModels.Tokens(1, 150, 10), TinyModels.Tokens(14, 150, 11)];
        await using LlmEngine engine = Create(options: new LlmEngineOptions { MaxBatchTokens = 16, BlockTokens = 4 });
        var alone = new float[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++)
            alone[i] = (await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [inputs[i]], Pooling = EmbeddingPooling.Mean })).Embeddings[0];

        EmbeddingResult together = await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = inputs, Pooling = EmbeddingPooling.Mean })
            .WaitAsync(TestEngines.Patience);

        Assert.Equal(inputs.Sum(i => i.Length), together.PromptTokens);
        for (int i = 0; i < inputs.Length; i++) AssertClose(alone[i], together.Embeddings[i], context: $"input {i}");
        await TestEngines.IdleAsync(engine);
        engine.Pool.CheckIntegrity();
    }

    [Fact]
    public async Task Embedding_while_generation_runs_leaves_both_correct_and_the_pool_consistent()
    {
        GenerationRequest generation = TestEngines.Greedy(TestEngines.Prompt(12, 17), 24);
        int[][] inputs = [TinyModels.Tokens(30, 150, 13), TinyModels.Tokens(7, 150, 14)];
        int[] expectedTokens;
        await using (LlmEngine alone = Create())
            expectedTokens = await TestEngines.TokensAsync(alone, generation);
        var options = new LlmEngineOptions { MaxBatchTokens = 8, BlockTokens = 4 };
        await using LlmEngine engine = Create(options: options);

        Task<int[]> generating = TestEngines.TokensAsync(engine, generation);
        var embeddings = new List<Task<EmbeddingResult>>();
        foreach (EmbeddingPooling pooling in new[] { EmbeddingPooling.LastToken, EmbeddingPooling.Mean, EmbeddingPooling.LastToken })
            embeddings.Add(engine.EmbedAsync(new EmbeddingRequest { TokenInputs = inputs, Pooling = pooling }));
        await Task.WhenAll(embeddings).WaitAsync(TestEngines.Patience);

        Assert.Equal(expectedTokens, await generating.WaitAsync(TestEngines.Patience));
        for (int i = 0; i < inputs.Length; i++)
        {
            AssertClose(Reference("qwen3", inputs[i], EmbeddingPooling.LastToken), embeddings[0].Result.Embeddings[i], 1e-3, $"last {i}");
            AssertClose(Reference("qwen3", inputs[i], EmbeddingPooling.Mean), embeddings[1].Result.Embeddings[i], 1e-3, $"mean {i}");
            // The third request's last-token inputs reuse the cached prefix blocks the first published.
            AssertClose(embeddings[0].Result.Embeddings[i], embeddings[2].Result.Embeddings[i], 1e-4, $"cached {i}");
        }
        await TestEngines.IdleAsync(engine);
        engine.Pool.CheckIntegrity();
        engine.MemPool!.CheckIntegrity();
        Assert.Equal(0, engine.GetStats().KvBlocksUsed);
    }

    [Fact]
    public async Task Last_token_pooling_reuses_cached_prefix_blocks_and_mean_pooling_does_not()
    {
        int[] tokens = TinyModels.Tokens(33, 150, 15);
        await using LlmEngine engine = Create(options: new LlmEngineOptions { BlockTokens = 4 });
        EmbeddingRequest last = new() { TokenInputs = [tokens], Pooling = EmbeddingPooling.LastToken };
        EmbeddingRequest mean = new() { TokenInputs = [tokens], Pooling = EmbeddingPooling.Mean };

        float[] first = (await engine.EmbedAsync(last)).Embeddings[0];
        long hitsBefore = engine.MemPool!.Counters.HitTokens;
        float[] second = (await engine.EmbedAsync(last)).Embeddings[0];
        long hitsAfterLast = engine.MemPool.Counters.HitTokens;
        float[] meanVector = (await engine.EmbedAsync(mean)).Embeddings[0];

        Assert.Equal(32, hitsAfterLast - hitsBefore);
        Assert.Equal(hitsAfterLast, engine.MemPool.Counters.HitTokens);
        AssertClose(first, second, context: "from the cache");
        AssertClose(Reference("qwen3", tokens, EmbeddingPooling.Mean), meanVector, context: "mean recomputes every position");
    }

    [Fact]
    public async Task A_checkpoint_of_the_bare_decoder_without_the_model_prefix_embeds_like_the_full_one()
    {
        int[] tokens = TinyModels.Tokens(11, 150, 16);
        float[] expected;
        await using (LlmEngine full = Create())
            expected = (await full.EmbedAsync(EmbeddingRequest.FromTokens(tokens))).Embeddings[0];
        var (config, weights) = TinyModels.Create("qwen3", DType.F32);
        var bare = new InMemoryTensorSource(); // as Qwen3-Embedding saves it: embed_tokens.weight, layers.0..., norm.weight
        using (weights)
        {
            foreach (string name in weights.TensorNames)
            {
                Assert.True(weights.TryGetTensor(name, out TensorRef t));
                t.Bytes.CopyTo(bare.Add(MemServe.Runner.LlamaTensorNames.BaseModelName(name) ?? name, t.DType, t.Shape));
            }
        }
        Assert.Contains("embed_tokens.weight", bare.TensorNames);
        Assert.DoesNotContain("model.embed_tokens.weight", bare.TensorNames);

        await using LlmEngine engine = LlmEngine.Create(config, bare, Tokenizer,
            new LlmEngineOptions { Threads = 1, MemoryBudgetBytes = 64L << 20, OwnsWeights = true });
        float[] actual = (await engine.EmbedAsync(EmbeddingRequest.FromTokens(tokens))).Embeddings[0];

        Assert.Equal(expected, actual);
    }
}
