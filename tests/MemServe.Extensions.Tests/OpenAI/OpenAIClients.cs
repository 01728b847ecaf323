using System.ClientModel;
using System.ClientModel.Primitives;
using OpenAI;
using OpenAI.Chat;

namespace MemServe.Extensions.OpenAI;

/// <summary>The official OpenAI .NET client pointed at an in-process server, with retries off.</summary>
internal static class OpenAIClients
{
    public const string Model = "memserve-default";

    public static ChatClient Chat(MemServeServerFactory factory, string model = Model) =>
        new(model, new ApiKeyCredential("not-checked"), Options(factory));

    public static OpenAIClientOptions Options(MemServeServerFactory factory) => new()
    {
        Endpoint = new Uri(factory.Server.BaseAddress, "/v1/"),
        Transport = new HttpClientPipelineTransport(factory.CreateClient()),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    };
}
