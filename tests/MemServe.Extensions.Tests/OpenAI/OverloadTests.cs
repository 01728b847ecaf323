using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MemServe.Engine;
using Microsoft.Extensions.DependencyInjection;
using OpenAI.Chat;

namespace MemServe.Extensions.OpenAI;

/// <summary>A full admission queue answers 503 with Retry-After; the requests it let in are unaffected.</summary>
public sealed class OverloadTests : IDisposable
{
    private readonly MemServeServerFactory _factory = MemServeServerFactory.With(
        ("MaxRunningSequences", "1"), ("AdmissionQueueCapacity", "1"), ("OverloadRetryAfterSeconds", "2"));

    [Fact]
    public async Task FullQueue_Is503WithRetryAfterAndOpenAIError_ForRawAndOfficialClients()
    {
        using HttpClient http = _factory.CreateClient();
        ILlmEngine engine = _factory.Services.GetRequiredService<ILlmEngine>();
        using var cancelAll = new CancellationTokenSource();
        var admitted = new List<Task<HttpResponseMessage>>();

        // Fill the engine until one request runs, one waits in the scheduler and one in the admission
        // channel (capacity 1): then nothing moves until the running request ends, and the next is rejected.
        static bool Full(EngineStats s) => s.Running == 1 && s.Waiting == 2;
        for (int i = 0; i < 50 && !Full(engine.GetStats()); i++)
        {
            EngineStats before = engine.GetStats();
            Task<HttpResponseMessage> request = SendLong(http, cancelAll.Token);
            admitted.Add(request);
            await WaitUntil(engine, s => Full(s) || s.Running + s.Waiting > before.Running + before.Waiting || request.IsCompleted);
            if (request.IsCompleted) await Task.Delay(50); // rejected before the engine thread took the queued one: let it
        }
        Assert.True(Full(engine.GetStats()), "the engine never held one running and two waiting requests");

        using HttpResponseMessage response = await SendLong(http, cancelAll.Token);
        ClientResultException clientError = await Assert.ThrowsAsync<ClientResultException>(
            () => OpenAIClients.Chat(_factory).CompleteChatAsync([new UserChatMessage("Hi")], cancellationToken: cancelAll.Token));
        await cancelAll.CancelAsync();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("2", response.Headers.GetValues("Retry-After").Single());
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement error = body.RootElement.GetProperty("error");
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Equal("overloaded", error.GetProperty("code").GetString());
        Assert.Contains("AdmissionQueueCapacity", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(503, clientError.Status);

        foreach (Task<HttpResponseMessage> request in admitted)
        {
            try { (await request).Dispose(); } catch (OperationCanceledException) { }
        }
        Assert.Equal(0, (await TestSettings.WaitForIdleAsync(engine)).KvBlocksUsed);
    }

    public void Dispose() => _factory.Dispose();

    private static Task<HttpResponseMessage> SendLong(HttpClient http, CancellationToken cancellationToken)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { prompt = "Go on", max_tokens = 2000, ignore_eos = true, stream = true }),
        };
        return http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static async Task WaitUntil(ILlmEngine engine, Func<EngineStats, bool> condition)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition(engine.GetStats()))
        {
            Assert.True(DateTime.UtcNow < deadline, $"engine never reached the state; running {engine.GetStats().Running}, waiting {engine.GetStats().Waiting}");
            await Task.Delay(10);
        }
    }
}
