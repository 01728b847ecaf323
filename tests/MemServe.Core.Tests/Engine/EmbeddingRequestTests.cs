using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Runner;

namespace MemServe.Core.Tests.Engine;

/// <summary>Validation, scheduling and cancellation of embedding requests, on the deterministic <see cref="FakeRunner"/>
/// (whose pooled rows are the inputs' token ids: the last one, or their sum).</summary>
[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public class EmbeddingRequestTests
{
    public static TheoryData<string, EmbeddingRequest> InvalidRequests => new()
    {
        { "Inputs or TokenInputs is required", new EmbeddingRequest() },
        { "not both", new EmbeddingRequest { Inputs = ["ab"], TokenInputs = [[3]] } },
        { "Inputs is empty", new EmbeddingRequest { Inputs = [] } },
        { "Inputs[1] is empty", new EmbeddingRequest { Inputs = ["ab", ""] } },
        { "TokenInputs[0] is empty", new EmbeddingRequest { TokenInputs = [[]] } },
        { "TokenInputs[1][2]", new EmbeddingRequest { TokenInputs = [[3], [3, 4, 64]] } },
        { "TokenInputs[0] has 33 tokens", new EmbeddingRequest { TokenInputs = [new int[33]] } },
        { "Dimensions", new EmbeddingRequest { TokenInputs = [[3]], Dimensions = 9 } },
        { "Dimensions", new EmbeddingRequest { TokenInputs = [[3]], Dimensions = 0 } },
        { "Pooling", new EmbeddingRequest { TokenInputs = [[3]], Pooling = (EmbeddingPooling)7 } },
        { "at most 2048", new EmbeddingRequest { Inputs = Enumerable.Repeat("a", 2049).ToArray() } },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task An_invalid_request_is_rejected_naming_the_field(string field, EmbeddingRequest request)
    {
        await using LlmEngine engine = TestEngines.Create(new FakeRunner(maxPositions: 32));

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => engine.EmbedAsync(request));

        Assert.Contains(field, error.Message);
    }

    [Fact]
    public async Task An_input_as_long_as_the_context_fits_since_no_token_is_generated()
    {
        await using LlmEngine engine = TestEngines.Create(new FakeRunner(maxPositions: 32));

        EmbeddingResult result = await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [Enumerable.Repeat(5, 32).ToArray()], Normalize = false });

        Assert.Equal(5f, result.Embeddings[0][0]);
        Assert.Equal(32, result.PromptTokens);
    }

    [Fact]
    public async Task Embedding_rows_ask_the_runner_for_pooled_states_never_for_logits()
    {
        var runner = new FakeRunner(maxBatchTokens: 8);
        var seen = new List<(bool Logits, HiddenPooling Pooling, int Tokens)>();
        runner.OnForward = batch => { foreach (ForwardSequence s in batch.Sequences) seen.Add((s.NeedsLogits, s.Pooling, s.NewTokens)); };
        await using LlmEngine engine = TestEngines.Create(runner);
        int[] tokens = TestEngines.Prompt(1, 20);

        EmbeddingResult last = await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Normalize = false, Pooling = EmbeddingPooling.LastToken });
        EmbeddingResult mean = await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Normalize = false, Pooling = EmbeddingPooling.Mean });

        Assert.All(seen, s => Assert.False(s.Logits));
        Assert.Equal([HiddenPooling.None, HiddenPooling.None, HiddenPooling.LastToken], seen.Take(3).Select(s => s.Pooling));
        Assert.Equal([8, 8, 4], seen.Take(3).Select(s => s.Tokens));
        Assert.All(seen.Skip(3), s => Assert.Equal(HiddenPooling.Sum, s.Pooling));
        Assert.Equal(tokens[^1], last.Embeddings[0][0]);
        Assert.Equal((float)tokens.Average(), mean.Embeddings[0][0], 1e-4f);
    }

    [Fact]
    public async Task Text_inputs_are_tokenised_with_special_tokens_by_default()
    {
        await using LlmEngine engine = TestEngines.Create();

        EmbeddingResult with = await engine.EmbedAsync(new EmbeddingRequest { Inputs = ["abc"], Pooling = EmbeddingPooling.Mean, Normalize = false });
        EmbeddingResult without = await engine.EmbedAsync(new EmbeddingRequest
        {
            Inputs = ["abc"], Pooling = EmbeddingPooling.Mean, Normalize = false, AddSpecialTokens = false,
        });

        Assert.Equal(4, with.PromptTokens);
        Assert.Equal(3, without.PromptTokens);
        int sum = FakeTokenizer.Id('a') + FakeTokenizer.Id('b') + FakeTokenizer.Id('c');
        Assert.Equal(sum / 4f, with.Embeddings[0][0], 1e-4f);
        Assert.Equal(sum / 3f, without.Embeddings[0][0], 1e-4f);
    }

    [Fact]
    public async Task Cancelling_frees_every_inputs_blocks()
    {
        var runner = new FakeRunner(maxBatchTokens: 8);
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        runner.OnForward = _ =>
        {
            if (runner.ForwardCalls < 1) return;
            entered.Set(); // hold the second step
            gate.Wait();
        };
        await using LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions { MaxBatchTokens = 8 });
        using var cts = new CancellationTokenSource();
        var request = new EmbeddingRequest { TokenInputs = [TestEngines.Prompt(1, 40), TestEngines.Prompt(2, 40), TestEngines.Prompt(3, 40)] };

        Task<EmbeddingResult> embedding = engine.EmbedAsync(request, cts.Token);
        Assert.True(entered.Wait(TestEngines.Patience), "the second step never started"); // held: inputs hold blocks
        int usedWhileRunning = engine.GetStats().KvBlocksUsed;
        await cts.CancelAsync();
        gate.Set();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => embedding);
        EngineStats stats = await TestEngines.IdleAsync(engine, s => s.CancelledRequests == 3);
        Assert.True(usedWhileRunning > 0);
        Assert.Equal(0, stats.KvBlocksUsed);
        Assert.Equal(3, stats.CancelledRequests);
        engine.Pool.CheckIntegrity();
    }

    [Fact]
    public async Task Finished_inputs_free_their_blocks_and_count_as_completed()
    {
        await using LlmEngine engine = TestEngines.Create();

        await engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [TestEngines.Prompt(1, 30), TestEngines.Prompt(2, 9)] });

        EngineStats stats = await TestEngines.IdleAsync(engine, s => s.CompletedRequests == 2);
        Assert.Equal(0, stats.KvBlocksUsed);
        Assert.Equal(2, stats.CompletedRequests);
        engine.Pool.CheckIntegrity();
    }

    [Fact]
    public async Task A_preempted_mean_pooled_input_starts_its_sum_over()
    {
        var runner = new FakeRunner();
        using var entered = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        runner.OnForward = _ =>
        {
            if (runner.ForwardCalls > 0) return;
            entered.Set(); // hold the first step until the embedding is queued behind both generations
            gate.Wait();
        };
        // 13 blocks of 4 tokens, 7-token steps: the embedding (8 blocks, admitted third) fills the pool and is the
        // youngest when the first generation needs its third block, so it is preempted after two of its chunks.
        await using LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions
        {
            MaxBatchTokens = 7, MaxKvBlocks = 13, PrefixCache = new PrefixCacheOptions { Enabled = false },
        });
        int[] tokens = TestEngines.Prompt(3, 30);

        Task<int[][]> generating = TestEngines.TogetherAsync(engine,
            [TestEngines.Greedy(TestEngines.Prompt(1, 5), 20), TestEngines.Greedy(TestEngines.Prompt(2, 9), 20)]);
        Assert.True(entered.Wait(TestEngines.Patience), "the first step never started");
        Task<EmbeddingResult> embedding = engine.EmbedAsync(new EmbeddingRequest { TokenInputs = [tokens], Pooling = EmbeddingPooling.Mean, Normalize = false });
        gate.Set(); // EmbedAsync queued the input before returning (the admission queue has room)
        await generating.WaitAsync(TestEngines.Patience);
        EmbeddingResult result = await embedding.WaitAsync(TestEngines.Patience);

        Assert.Equal(1, engine.GetStats().Preemptions);
        Assert.Equal((float)tokens.Average(), result.Embeddings[0][0], 1e-4f);
        await TestEngines.IdleAsync(engine);
        engine.Pool.CheckIntegrity();
    }
}
