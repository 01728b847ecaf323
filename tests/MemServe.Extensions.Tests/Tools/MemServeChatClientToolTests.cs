using System.Text;
using System.Text.Json;
using MemServe.Chat;
using MemServe.Engine;
using MemServe.Model;
using Microsoft.Extensions.AI;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;
using TemplateMessage = MemServe.Chat.ChatMessage;

namespace MemServe.Extensions.Tools;

/// <summary>
/// Tool calling through <see cref="MemServeChatClient"/> and Microsoft.Extensions.AI's real <c>UseFunctionInvocation()</c>
/// loop, on Qwen3's real template; the model's output is scripted (<see cref="ScriptedEngine"/>) where a call is needed.
/// </summary>
public sealed class MemServeChatClientToolTests
{
    private const string WeatherCall = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    private static readonly AIFunction s_weather = AIFunctionFactory.Create((string city) => $"21 C in {city}", "get_weather", "Current weather in a city");

    [Fact]
    public async Task UseFunctionInvocation_runs_the_call_and_renders_call_and_result_into_the_next_prompt()
    {
        var engine = new ScriptedEngine(WeatherCall, "It is 21 C in Paris.");
        IChatClient client = new ChatClientBuilder(new MemServeChatClient(engine, ToolTestData.Qwen3Template)).UseFunctionInvocation().Build();

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather in Paris?")], new ChatOptions { Tools = [s_weather] });

        Assert.Equal("It is 21 C in Paris.", response.Text);
        Assert.Equal(2, engine.Prompts.Count);
        FunctionCallContent call = response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>().Single();
        Assert.Equal("get_weather", call.Name);
        Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
        FunctionResultContent result = response.Messages.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Single();
        Assert.Equal(call.CallId, result.CallId);
        Assert.Equal(ExpectedSecondPrompt(), engine.Prompts[1]);
    }

    [Fact]
    public async Task Streaming_loop_yields_the_call_then_the_answer()
    {
        var engine = new ScriptedEngine("Checking. " + WeatherCall, "Sunny.");
        IChatClient client = new ChatClientBuilder(new MemServeChatClient(engine, ToolTestData.Qwen3Template)).UseFunctionInvocation().Build();

        var text = new StringBuilder();
        var calls = new List<FunctionCallContent>();
        await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Weather in Paris?")], new ChatOptions { Tools = [s_weather] }))
        {
            text.Append(update.Text);
            calls.AddRange(update.Contents.OfType<FunctionCallContent>());
        }

        Assert.Equal("Checking. Sunny.", text.ToString());
        FunctionCallContent call = Assert.Single(calls);
        Assert.Equal("Paris", ((JsonElement)call.Arguments!["city"]!).GetString());
        Assert.Contains("<tool_response>\n21 C in Paris\n</tool_response>", engine.Prompts[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_call_without_the_loop_is_function_call_content_with_finish_reason_tool_calls()
    {
        var engine = new ScriptedEngine(WeatherCall);
        var client = new MemServeChatClient(engine, ToolTestData.Qwen3Template);

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather?")], new ChatOptions { Tools = [s_weather] });

        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        FunctionCallContent call = Assert.IsType<FunctionCallContent>(Assert.Single(Assert.Single(response.Messages).Contents));
        Assert.Equal("get_weather", call.Name);
        Assert.Contains("\"name\": \"get_weather\"", engine.Prompts[0], StringComparison.Ordinal);
        Assert.Contains("\"description\": \"Current weather in a city\"", engine.Prompts[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolMode_none_does_not_offer_tools_and_leaves_call_text_as_text()
    {
        var engine = new ScriptedEngine(WeatherCall);
        var client = new MemServeChatClient(engine, ToolTestData.Qwen3Template);

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather?")],
            new ChatOptions { Tools = [s_weather], ToolMode = ChatToolMode.None });

        Assert.Equal(WeatherCall, response.Text);
        Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        Assert.DoesNotContain("# Tools", engine.Prompts[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Required_tool_mode_makes_the_real_model_call_with_arguments_matching_the_schema()
    {
        await using LlmEngine engine = DefaultEngine();
        var client = new MemServeChatClient(engine, ToolTestData.Qwen3Template);
        AIFunction pick = AIFunctionFactory.Create((bool urgent) => urgent ? "now" : "later", "schedule", "Schedule the task");

        ChatResponse response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Schedule it.")],
            new ChatOptions { Tools = [pick], ToolMode = ChatToolMode.RequireSpecific("schedule"), AllowMultipleToolCalls = false, MaxOutputTokens = 120, Temperature = 1f, Seed = 3 });

        Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        FunctionCallContent call = Assert.IsType<FunctionCallContent>(Assert.Single(Assert.Single(response.Messages).Contents));
        Assert.Equal("schedule", call.Name);
        Assert.Contains(((JsonElement)call.Arguments!["urgent"]!).ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
    }

    [Fact]
    public async Task GetResponseAsync_of_T_returns_an_instance_built_under_the_types_schema()
    {
        await using LlmEngine engine = DefaultEngine();
        IChatClient client = new MemServeChatClient(engine, ToolTestData.Qwen3Template);

        ChatResponse<Flags> response = await client.GetResponseAsync<Flags>([new ChatMessage(ChatRole.User, "Flags?")],
            new ChatOptions { MaxOutputTokens = 120, Temperature = 1f, Seed = 5 });

        Assert.True(response.TryGetResult(out Flags? flags), response.Text);
        Assert.NotNull(flags);
        using JsonDocument document = JsonDocument.Parse(response.Text);
        Assert.Equal(2, document.RootElement.EnumerateObject().Count());
    }

    /// <summary>A type for <c>GetResponseAsync&lt;T&gt;</c>: booleans only, so a random model always finishes it.</summary>
    public sealed record Flags(bool Ready, bool Urgent);

    [Fact]
    public async Task Tools_with_a_template_that_has_no_tool_format_are_refused()
    {
        var client = new MemServeChatClient(new ScriptedEngine(WeatherCall), ChatTemplate.FromConfigJson(DefaultModel.TokenizerConfigJson));

        var error = await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "Weather?")],
            new ChatOptions { Tools = [s_weather] }));
        Assert.Contains("ChatOptions.Tools", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Real_model_with_tools_offered_answers_with_its_own_output()
    {
        await using LlmEngine engine = DefaultEngine();
        var client = new MemServeChatClient(engine, ToolTestData.Qwen3Template);
        var ask = new ChatMessage[] { new(ChatRole.User, "Weather?") };

        ChatResponse withTools = await client.GetResponseAsync(ask, new ChatOptions { Tools = [s_weather], MaxOutputTokens = 4, Temperature = 0 });
        ChatResponse without = await client.GetResponseAsync(ask, new ChatOptions { MaxOutputTokens = 4, Temperature = 0 });

        Assert.Equal(4, withTools.Usage?.OutputTokenCount);
        Assert.True(withTools.Usage!.InputTokenCount > without.Usage!.InputTokenCount + 50, "the tools block was not rendered");
        Assert.Empty(withTools.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
    }

    // The embedded default model (random weights, real tokenizer) in a small engine.
    private static LlmEngine DefaultEngine()
    {
        LoadedModel model = LoadedModel.Default();
        return LlmEngine.Create(model.Config, model.Weights, model.Tokenizer, new LlmEngineOptions
        {
            MemoryBudgetBytes = 256L << 20, Threads = 1, MaxRunningSequences = 2, OwnsWeights = true, ModelName = model.Name,
        });
    }

    /// <summary>The reference: the same conversation rendered directly with the template, tools as M.E.AI declares them.</summary>
    private static string ExpectedSecondPrompt()
    {
        string schema = s_weather.JsonSchema.GetRawText();
        JsonElement tools = JsonDocument.Parse($"[{{\"type\":\"function\",\"function\":{{\"name\":\"get_weather\",\"description\":\"Current weather in a city\",\"parameters\":{schema}}}}}]").RootElement;
        JsonElement calls = JsonDocument.Parse("[{\"id\":\"ID\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\"}}}]").RootElement;
        List<TemplateMessage> turns =
        [
            new("user", "Weather in Paris?"),
            new("assistant", "") { Extra = new Dictionary<string, object?> { ["tool_calls"] = calls } },
            new("tool", "21 C in Paris"),
        ];
        return ToolTestData.Qwen3Template.Render(turns, addGenerationPrompt: true, new Dictionary<string, object?> { ["tools"] = tools });
    }
}
