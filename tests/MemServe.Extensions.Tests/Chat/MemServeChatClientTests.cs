using System.Text;
using MemServe.Chat;
using MemServe.Engine;
using MemServe.Model;
using Microsoft.Extensions.AI;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace MemServe.Extensions.Chat;

/// <summary>The <see cref="IChatClient"/> adapter over an engine it does not own.</summary>
public sealed class MemServeChatClientTests : IAsyncLifetime
{
    private static readonly ChatMessage[] s_messages = [new(ChatRole.User, "Tell me about cats.")];
    private LlmEngine _engine = null!;
    private MemServeChatClient _client = null!;

    public Task InitializeAsync()
    {
        LoadedModel model = LoadedModel.Default();
        _engine = LlmEngine.Create(model.Config, model.Weights, model.Tokenizer, new LlmEngineOptions
        {
            MemoryBudgetBytes = 256L << 20,
            Threads = 1,
            MaxRunningSequences = 4,
            OwnsWeights = true,
            ModelName = model.Name,
        });
        _client = new MemServeChatClient(_engine, ChatTemplate.FromConfigJson(DefaultModel.TokenizerConfigJson));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _engine.DisposeAsync();
    }

    [Fact]
    public async Task GetResponse_ReturnsAssistantTextUsageAndLengthFinish()
    {
        ChatResponse response = await _client.GetResponseAsync(s_messages, Options(maxTokens: 3));

        ChatMessage message = Assert.Single(response.Messages);
        Assert.Equal(ChatRole.Assistant, message.Role);
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        Assert.Equal("memserve-default", response.ModelId);
        Assert.NotNull(response.Usage);
        Assert.Equal(3, response.Usage.OutputTokenCount);
        Assert.True(response.Usage.InputTokenCount > 5);
        Assert.Equal(0, response.Usage.CachedInputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + 3, response.Usage.TotalTokenCount);
    }

    [Fact]
    public async Task GetStreamingResponse_ConcatenatesToTheNonStreamingText()
    {
        ChatResponse whole = await _client.GetResponseAsync(s_messages, Options(maxTokens: 6));

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        UsageDetails? usage = null;
        await foreach (ChatResponseUpdate update in _client.GetStreamingResponseAsync(s_messages, Options(maxTokens: 6)))
        {
            text.Append(update.Text);
            finish ??= update.FinishReason;
            usage ??= update.Contents.OfType<UsageContent>().SingleOrDefault()?.Details;
            Assert.Equal(ChatRole.Assistant, update.Role);
        }

        Assert.Equal(whole.Text, text.ToString());
        Assert.Equal(ChatFinishReason.Length, finish);
        Assert.Equal(6, usage?.OutputTokenCount);
    }

    [Fact]
    public async Task StopSequences_EndTheResponseBeforeTheStopText()
    {
        ChatResponse whole = await _client.GetResponseAsync(s_messages, Options(maxTokens: 16));
        string stop = whole.Text.Substring(whole.Text.Length / 2, 2);
        ChatOptions options = Options(maxTokens: 16);
        options.StopSequences = [stop];

        ChatResponse cut = await _client.GetResponseAsync(s_messages, options);

        Assert.Equal(whole.Text[..whole.Text.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
        Assert.Equal(ChatFinishReason.Stop, cut.FinishReason);
    }

    [Fact]
    public async Task Instructions_AreRenderedAsASystemMessage()
    {
        ChatOptions withInstructions = Options(maxTokens: 1);
        withInstructions.Instructions = "Answer in one word.";

        ChatResponse plain = await _client.GetResponseAsync(s_messages, Options(maxTokens: 1));
        ChatResponse instructed = await _client.GetResponseAsync(s_messages, withInstructions);

        Assert.True(instructed.Usage!.InputTokenCount > plain.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task InvalidOption_SurfacesTheEnginesValidationError()
    {
        InvalidRequestException error = await Assert.ThrowsAsync<InvalidRequestException>(
            () => _client.GetResponseAsync(s_messages, new ChatOptions { TopP = 0 }));

        Assert.Contains("TopP", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetService_ReturnsEngineMetadataAndItself()
    {
        Assert.Same(_engine, _client.GetService<ILlmEngine>());
        Assert.Same(_client, _client.GetService<IChatClient>());
        ChatClientMetadata? metadata = _client.GetService<ChatClientMetadata>();
        Assert.Equal("memserve", metadata?.ProviderName);
        Assert.Equal("memserve-default", metadata?.DefaultModelId);
        Assert.Null(_client.GetService(typeof(ILlmEngine), serviceKey: "other"));
        Assert.Null(_client.GetService<string>());
    }

    [Fact]
    public async Task Dispose_LeavesTheEngineRunning()
    {
        var client = new MemServeChatClient(_engine, ChatTemplate.ChatMl);

        client.Dispose();

        GenerationResult result = await _engine.CompleteAsync(new GenerationRequest { Prompt = "x", MaxTokens = 1 });
        Assert.Equal(1, result.Usage.OutputTokens);
    }

    [Fact]
    public async Task ConcurrentRequests_AllComplete()
    {
        Task<ChatResponse>[] responses = [.. Enumerable.Range(0, 4).Select(_ => _client.GetResponseAsync(s_messages, Options(maxTokens: 3)))];

        ChatResponse[] done = await Task.WhenAll(responses);

        Assert.All(done, r => Assert.Equal(3, r.Usage?.OutputTokenCount));
        Assert.Single(done.Select(r => r.Text).Distinct());
    }

    // Greedy, seeded and ignoring EOS (through RawRepresentationFactory) so lengths are exact.
    private static ChatOptions Options(int maxTokens) => new()
    {
        MaxOutputTokens = maxTokens,
        Temperature = 0,
        Seed = 7,
        RawRepresentationFactory = _ => new GenerationRequest { IgnoreEos = true },
    };
}
