using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Engine;

/// <summary><see cref="GenerationRequest.N"/> &gt; 1: choices fork one prefilled prompt and continue on their own.</summary>
[Collection(nameof(NativeMemoryCollection))] // engines allocate native KV memory
public sealed class ChoicesTests
{
    private static GenerationRequest Seeded(int n, long seed, int maxTokens = 12) => new()
    {
        PromptTokenIds = TestEngines.Prompt(5, 10),
        MaxTokens = maxTokens,
        IgnoreEos = true,
        N = n,
        Sampling = new SamplingParameters { Temperature = 1.2f, Seed = seed },
    };

    // Each choice's tokens, and how many final updates each choice got.
    private static async Task<(int[][] Tokens, int[] Finals, GenerationUpdate[] Last)> ChoicesAsync(LlmEngine engine, GenerationRequest request)
    {
        var tokens = new List<int>[request.N];
        var finals = new int[request.N];
        var last = new GenerationUpdate[request.N];
        for (int c = 0; c < request.N; c++) tokens[c] = [];
        await foreach (GenerationUpdate update in engine.GenerateAsync(request).WithCancellation(default))
        {
            Assert.Equal(0, finals[update.ChoiceIndex]); // nothing after a choice's final update
            tokens[update.ChoiceIndex].Add(update.TokenId);
            if (update.IsFinal) finals[update.ChoiceIndex]++;
            last[update.ChoiceIndex] = update;
        }
        return ([.. tokens.Select(t => t.ToArray())], finals, last);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Greedy_choices_are_identical_to_a_single_greedy_run(bool prefixCache)
    {
        var options = new LlmEngineOptions { PrefixCache = new PrefixCacheOptions { Enabled = prefixCache } };
        await using LlmEngine engine = TestEngines.Create(options: options);
        GenerationRequest one = TestEngines.Greedy(TestEngines.Prompt(6, 10), 9);
        int[] single = await TestEngines.TokensAsync(engine, one);

        (int[][] tokens, int[] finals, GenerationUpdate[] last) = await ChoicesAsync(engine, one with { N = 3 });

        Assert.Equal([single, single, single], tokens);
        Assert.Equal([1, 1, 1], finals);
        Assert.All(last, u => Assert.Equal((10, 9), (u.Usage!.PromptTokens, u.Usage.OutputTokens)));
        EngineStats stats = await TestEngines.IdleAsync(engine);
        Assert.Equal(0, stats.KvBlocksUsed);
        engine.Pool.CheckIntegrity();
    }

    [Theory]
    [InlineData(21)] // a partial last block: recomputed by each fork
    [InlineData(32)] // whole blocks only: each fork starts decoding at once
    public async Task On_the_real_runner_greedy_choices_over_shared_blocks_equal_a_single_run(int promptLength)
    {
        var (config, weights) = TinyModels.Create("llama", MemServe.Model.DType.F32);
        await using LlmEngine engine = LlmEngine.Create(config, weights, new FakeTokenizer { VocabSize = 150 }, new LlmEngineOptions
        {
            Threads = 1, MemoryBudgetBytes = 64L << 20, OwnsWeights = true, BlockTokens = 16,
        });
        GenerationRequest one = TestEngines.Greedy(TestEngines.Prompt(8, promptLength), 10);
        int[] single = await TestEngines.TokensAsync(engine, one);

        (int[][] tokens, _, _) = await ChoicesAsync(engine, one with { N = 3 });

        Assert.Equal([single, single, single], tokens);
        Assert.Equal(0, (await TestEngines.IdleAsync(engine)).KvBlocksUsed);
        engine.Pool.CheckIntegrity();
    }

    [Fact]
    public async Task The_prompt_is_prefilled_once_and_only_its_partial_block_per_choice()
    {
        // Block size 4, prompt 10: blocks 0-1 (positions 0-7) are shared; positions 8-9 are recomputed by each fork.
        var runner = new FakeRunner();
        var computed = new int[10];
        runner.OnForward = batch =>
        {
            foreach (MemServe.Runner.ForwardSequence part in batch.Sequences)
            {
                for (int p = part.CachedTokens; p < part.CachedTokens + part.NewTokens; p++)
                {
                    if (p < computed.Length) computed[p]++;
                }
            }
        };
        await using LlmEngine engine = TestEngines.Create(runner, new LlmEngineOptions { PrefixCache = new PrefixCacheOptions { Enabled = false } });

        (int[][] tokens, _, _) = await ChoicesAsync(engine, Seeded(4, seed: 3));

        Assert.Equal([1, 1, 1, 1, 1, 1, 1, 1, 4, 4], computed);
        Assert.All(tokens, t => Assert.Equal(12, t.Length));
        EngineStats stats = await TestEngines.IdleAsync(engine, s => s.TotalGeneratedTokens == 48);
        Assert.Equal((10, 48), (stats.TotalPromptTokens, stats.TotalGeneratedTokens)); // the prompt admitted once
        Assert.Equal(4, stats.CompletedRequests); // one per choice
    }

    [Fact]
    public async Task Seeded_choices_are_reproducible_differ_and_choice_0_matches_n_1()
    {
        await using LlmEngine engine = TestEngines.Create();

        (int[][] first, _, _) = await ChoicesAsync(engine, Seeded(4, seed: 9));
        (int[][] again, _, _) = await ChoicesAsync(engine, Seeded(4, seed: 9));
        int[] alone = await TestEngines.TokensAsync(engine, Seeded(1, seed: 9));

        Assert.Equal(first, again);
        Assert.True(first.Select(t => string.Join(',', t)).Distinct().Count() >= 3, "seeded choices at temperature 1.2 should differ");
        Assert.Equal(alone, first[0]);
    }

    [Fact]
    public async Task Each_choice_stops_on_its_own()
    {
        // Stop at token 7: choices that draw it end early, the others run to max tokens.
        await using LlmEngine engine = TestEngines.Create();
        GenerationRequest request = Seeded(6, seed: 21, maxTokens: 30) with { StopTokenIds = [7, 9, 11] };

        (int[][] tokens, int[] finals, GenerationUpdate[] last) = await ChoicesAsync(engine, request);

        Assert.All(finals, f => Assert.Equal(1, f));
        for (int c = 0; c < tokens.Length; c++)
        {
            FinishReason expected = tokens[c].Length < 30 ? FinishReason.Stop : FinishReason.Length;
            Assert.Equal(expected, last[c].FinishReason);
            Assert.Equal(tokens[c].Length, last[c].Usage!.OutputTokens);
        }
        Assert.Equal(0, (await TestEngines.IdleAsync(engine)).KvBlocksUsed);
        engine.Pool.CheckIntegrity();
    }

    [Fact]
    public async Task Cancelling_frees_every_choice()
    {
        var runner = new FakeRunner();
        using var gate = new ManualResetEventSlim();
        runner.OnForward = _ => { if (runner.ForwardCalls >= 3) gate.Wait(); };
        await using LlmEngine engine = TestEngines.Create(runner);
        using var cts = new CancellationTokenSource();
        GenerationRequest request = TestEngines.Greedy(TestEngines.Prompt(7, 30), 400) with { N = 3 };
        var seen = new HashSet<int>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (GenerationUpdate update in engine.GenerateAsync(request, cts.Token))
            {
                seen.Add(update.ChoiceIndex);
                if (seen.Count < 3) continue;
                await cts.CancelAsync();
                gate.Set();
            }
        });
        gate.Set();

        EngineStats stats = await TestEngines.IdleAsync(engine, s => s.CancelledRequests >= 3);
        Assert.Equal(0, stats.KvBlocksUsed);
        Assert.Equal(0, stats.Running + stats.Waiting);
        engine.Pool.CheckIntegrity();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(129)]
    public async Task N_outside_1_to_128_is_refused(int n)
    {
        await using LlmEngine engine = TestEngines.Create();
        var ex = Assert.Throws<InvalidRequestException>(() => engine.GenerateAsync(TestEngines.Greedy([3, 4], 2) with { N = n }));
        Assert.Contains("N must be", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_refuses_several_choices()
    {
        await using LlmEngine engine = TestEngines.Create();
        await Assert.ThrowsAsync<InvalidRequestException>(() => engine.CompleteAsync(TestEngines.Greedy([3, 4, 5], 4) with { N = 2 }));
        Assert.Equal(0, (await TestEngines.IdleAsync(engine)).KvBlocksUsed);
    }
}
