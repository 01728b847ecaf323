using MemServe.Cluster.Remote;
using MemServe.Core.Tests.Integration;
using MemServe.Engine;
using MemServe.Model;

namespace MemServe.Core.Tests.Remote;

/// <summary>Choices and logprobs over the remote protocol: a real host process against the local engine.</summary>
[Collection(nameof(MemServe.Core.Tests.Runner.NativeMemoryCollection))]
public sealed class RemoteChoicesTests(RemoteInstanceFixture fixture) : IClassFixture<RemoteInstanceFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    private static async Task<List<GenerationUpdate>[]> ByChoiceAsync(ILlmEngine engine, GenerationRequest request)
    {
        var byChoice = new List<GenerationUpdate>[request.N];
        for (int c = 0; c < byChoice.Length; c++) byChoice[c] = [];
        using var timeout = new CancellationTokenSource(Patience);
        await foreach (GenerationUpdate update in engine.GenerateAsync(request, timeout.Token)) byChoice[update.ChoiceIndex].Add(update);
        return byChoice;
    }

    [Fact]
    public async Task Choices_and_logprobs_through_a_remote_engine_equal_the_local_engine()
    {
        GenerationRequest request = RemoteEngineTests.Greedy("Two choices travel over the wire", 6) with { N = 2, Logprobs = 2 };
        using LoadedModel model = LoadedModel.Default();
        await using LlmEngine local = LlmEngine.Create(model.Config, model.Weights, model.Tokenizer,
            new LlmEngineOptions { MemoryBudgetBytes = 192L << 20, Threads = 1 });

        List<GenerationUpdate>[] expected = await ByChoiceAsync(local, request);
        List<GenerationUpdate>[] actual = await ByChoiceAsync(fixture.Engine, request);

        for (int c = 0; c < 2; c++)
        {
            Assert.Equal(expected[c].Select(u => u.TokenId), actual[c].Select(u => u.TokenId));
            Assert.Equal(expected[c].Select(u => u.Logprobs!.Logprob), actual[c].Select(u => u.Logprobs!.Logprob));
            Assert.Equal(expected[c].SelectMany(u => u.Logprobs!.Top), actual[c].SelectMany(u => u.Logprobs!.Top));
            Assert.True(actual[c][^1].IsFinal);
        }
    }
}
