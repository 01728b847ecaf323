using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MemServe.Extensions.OpenAI;
using OpenAI.Chat;
using TemplateMessage = MemServe.Chat.ChatMessage;

namespace MemServe.Extensions.Tools;

/// <summary>
/// <c>tools</c>, <c>tool_choice</c> and tool messages on <c>/v1/chat/completions</c> through the official OpenAI .NET
/// client, on a server whose model folder carries Qwen3's real template. The prompt the server rendered is checked
/// through its token count against the template rendered directly (the reference).
/// </summary>
public sealed class ToolCallsEndpointTests(Qwen3TemplateServer server) : IClassFixture<Qwen3TemplateServer>
{
    private const string Schema = """{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""";
    private static readonly ChatTool s_weather = ChatTool.CreateFunctionTool("get_weather", "Current weather", BinaryData.FromString(Schema));

    private static ChatMessage[] Conversation() =>
    [
        new SystemChatMessage("Be brief."),
        new UserChatMessage("Weather in Paris?"),
        new AssistantChatMessage([ChatToolCall.CreateFunctionToolCall("call_1", "get_weather", BinaryData.FromString("""{"city": "Paris"}"""))]),
        new ToolChatMessage("call_1", "21 C"),
        new UserChatMessage("And tomorrow?"),
    ];

    [Fact]
    public async Task Tools_a_call_and_its_result_are_rendered_through_the_models_template()
    {
        ChatClient client = OpenAIClients.Chat(server.Factory);

        ChatCompletion completion = await client.CompleteChatAsync(Conversation(), Options());

        Assert.Equal(Tokens(Reference(withTools: true)), completion.Usage.InputTokenCount);
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 4);
    }

    [Fact]
    public async Task Tool_choice_none_does_not_offer_the_tools()
    {
        ChatClient client = OpenAIClients.Chat(server.Factory);
        ChatCompletionOptions options = Options();
        options.ToolChoice = ChatToolChoice.CreateNoneChoice();

        ChatCompletion completion = await client.CompleteChatAsync(Conversation(), options);

        Assert.Equal(Tokens(Reference(withTools: false)), completion.Usage.InputTokenCount);
        Assert.Empty(completion.ToolCalls);
    }

    [Fact]
    public async Task Streaming_with_tools_matches_the_whole_response()
    {
        ChatClient client = OpenAIClients.Chat(server.Factory);
        ChatCompletion whole = await client.CompleteChatAsync(Conversation(), Options(maxTokens: 8));

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        int toolUpdates = 0;
        await foreach (StreamingChatCompletionUpdate update in client.CompleteChatStreamingAsync(Conversation(), Options(maxTokens: 8)))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate) text.Append(part.Text);
            toolUpdates += update.ToolCallUpdates.Count;
            finish ??= update.FinishReason;
        }

        Assert.Equal(whole.Content.Count == 0 ? "" : whole.Content[0].Text, text.ToString());
        Assert.Equal(whole.FinishReason, finish);
        Assert.Equal(whole.ToolCalls.Count, toolUpdates);
    }

    [Fact]
    public async Task Required_tool_choice_makes_the_real_model_call_a_tool_with_valid_arguments()
    {
        ChatClient client = OpenAIClients.Chat(server.Factory);
        for (int seed = 1; seed <= 3; seed++)
        {
            var options = new ChatCompletionOptions { MaxOutputTokenCount = 160, Temperature = 1f, Tools = { s_alert, s_forecast } };
#pragma warning disable OPENAI001
            options.Seed = seed;
#pragma warning restore OPENAI001
            options.ToolChoice = ChatToolChoice.CreateRequiredChoice();

            ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Forecast?")], options);

            Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
            Assert.NotEmpty(completion.ToolCalls); // parallel calls are allowed by default: one or more, each valid
            foreach (ChatToolCall call in completion.ToolCalls)
            {
                Assert.Contains(call.FunctionName, new[] { "get_alert", "get_forecast" });
                if (call.FunctionName == "get_forecast") AssertForecastArguments(call.FunctionArguments.ToString());
                else Assert.Contains(JsonDocument.Parse(call.FunctionArguments.ToString()).RootElement.GetProperty("level").GetInt32(), new[] { 1, 2, 3 });
            }
        }
    }

    [Fact]
    public async Task Each_of_n_choices_makes_its_own_forced_call()
    {
        using HttpClient http = server.Factory.CreateClient();
        string body = """{"messages":[{"role":"user","content":"Forecast?"}],"n":3,"max_tokens":160,"temperature":1,"seed":4,"tool_choice":"required","tools":[{"type":"function","function":{"name":"get_forecast","parameters":"""
            + ForecastSchema + "}}]}";

        using HttpResponseMessage response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement choices = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices");
        Assert.Equal([0, 1, 2], choices.EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        foreach (JsonElement choice in choices.EnumerateArray())
        {
            Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
            JsonElement[] calls = choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray().ToArray();
            Assert.NotEmpty(calls); // parallel calls are allowed by default: one or more, each valid
            foreach (JsonElement call in calls)
            {
                Assert.Equal("get_forecast", call.GetProperty("function").GetProperty("name").GetString());
                AssertForecastArguments(call.GetProperty("function").GetProperty("arguments").GetString()!);
            }
        }
    }

    [Fact]
    public async Task A_named_tool_choice_calls_that_function_streamed_as_a_tool_call_delta()
    {
        ChatClient client = OpenAIClients.Chat(server.Factory);
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 160, Temperature = 1f, Tools = { s_weather, s_forecast } };
        options.ToolChoice = ChatToolChoice.CreateFunctionChoice("get_forecast");
        var calls = new List<StreamingChatToolCallUpdate>();
        ChatFinishReason? finish = null;

        await foreach (StreamingChatCompletionUpdate update in client.CompleteChatStreamingAsync([new UserChatMessage("Forecast?")], options))
        {
            calls.AddRange(update.ToolCallUpdates);
            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.NotEmpty(calls);
        foreach (StreamingChatToolCallUpdate call in calls)
        {
            Assert.Equal("get_forecast", call.FunctionName);
            AssertForecastArguments(call.FunctionArgumentsUpdate.ToString());
        }
    }

    private const string ForecastSchema = """{"type":"object","properties":{"unit":{"enum":["C","F"]},"tomorrow":{"type":"boolean"}},"required":["unit","tomorrow"],"additionalProperties":false}""";
    private static readonly ChatTool s_alert = ChatTool.CreateFunctionTool("get_alert", "Alert level",
        BinaryData.FromString("""{"type":"object","properties":{"level":{"enum":[1,2,3]}},"required":["level"]}"""));
    private static readonly ChatTool s_forecast = ChatTool.CreateFunctionTool("get_forecast", "Forecast", BinaryData.FromString(ForecastSchema));

    private static void AssertForecastArguments(string json)
    {
        JsonElement arguments = JsonDocument.Parse(json).RootElement;
        Assert.Equal(["unit", "tomorrow"], arguments.EnumerateObject().Select(p => p.Name));
        Assert.Contains(arguments.GetProperty("unit").GetString(), new[] { "C", "F" });
        Assert.Contains(arguments.GetProperty("tomorrow").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
    }

    [Theory]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"functions":[{"name":"f","parameters":{}}]}""", "functions")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"function_call":"auto"}""", "function_call")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g"}}}""", "tool_choice")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}""", "tool_choice")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"a":{"type":"string","format":"date"}}}}}],"tool_choice":"required"}""", "tools[0].function.parameters")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","strict":true}}]}""", "tools[0].function.strict")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"code_interpreter"}]}""", "tools[0].type")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"bad name"}}]}""", "tools[0].function.name")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","examples":[]}}]}""", "tools[0].function.examples")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"},{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}""", "messages[1].tool_calls[0].function.arguments")]
    [InlineData("""{"messages":[{"role":"user","content":"hi"},{"role":"tool","content":"21"}]}""", "messages[1].tool_call_id")]
    public async Task Bad_tool_fields_get_400_naming_the_field(string body, string param)
    {
        using HttpClient http = server.Factory.CreateClient();

        using HttpResponseMessage response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_tool_result_takes_the_function_name_of_the_call_it_answers()
    {
        // Same conversation sent raw with an explicit name on the tool message: the prompt is the same either way.
        using HttpClient http = server.Factory.CreateClient();
        string body = """
            {"messages":[{"role":"user","content":"Weather?"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_9","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Oslo\"}"}}]},
              {"role":"tool","tool_call_id":"call_9","content":[{"type":"text","text":"-3 C"}]}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}],"max_tokens":1}
            """;

        using HttpResponseMessage response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using JsonDocument completion = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        JsonElement calls = JsonDocument.Parse("""[{"id":"call_9","type":"function","function":{"name":"get_weather","arguments":{"city":"Oslo"}}}]""").RootElement;
        JsonElement tools = JsonDocument.Parse("""[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]""").RootElement;
        string reference = ToolTestData.Qwen3Template.Render(
            [new("user", "Weather?"), new("assistant", "") { Extra = new Dictionary<string, object?> { ["tool_calls"] = calls } }, new("tool", "-3 C")],
            addGenerationPrompt: true, new Dictionary<string, object?> { ["tools"] = tools });
        Assert.Equal(Tokens(reference), completion.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    private static ChatCompletionOptions Options(int maxTokens = 4) => new() { MaxOutputTokenCount = maxTokens, Temperature = 0, Tools = { s_weather } };

    private static int Tokens(string prompt) => ToolTestData.Tokenizer.Encode(prompt).Length;

    /// <summary>The conversation rendered directly with Qwen3's template: what the server must have rendered.</summary>
    private static string Reference(bool withTools)
    {
        JsonElement calls = JsonDocument.Parse("""[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}}]""").RootElement;
        List<TemplateMessage> turns =
        [
            new("system", "Be brief."),
            new("user", "Weather in Paris?"),
            new("assistant", "") { Extra = new Dictionary<string, object?> { ["tool_calls"] = calls } },
            new("tool", "21 C"),
            new("user", "And tomorrow?"),
        ];
        Dictionary<string, object?>? variables = withTools
            ? new() { ["tools"] = JsonDocument.Parse("""[{"type":"function","function":{"name":"get_weather","description":"Current weather","parameters":SCHEMA}}]""".Replace("SCHEMA", Schema, StringComparison.Ordinal)).RootElement }
            : null;
        return ToolTestData.Qwen3Template.Render(turns, addGenerationPrompt: true, variables);
    }
}
