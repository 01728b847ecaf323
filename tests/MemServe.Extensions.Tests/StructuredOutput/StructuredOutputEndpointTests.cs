using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MemServe.Extensions.OpenAI;
using OpenAI.Chat;

namespace MemServe.Extensions.StructuredOutput;

/// <summary>
/// <c>response_format</c> and <c>grammar</c> on the sample server (the default model: random weights, sampled at
/// temperature 1) through the official OpenAI .NET client and raw HTTP: every answer parses and validates.
/// </summary>
public sealed class StructuredOutputEndpointTests : IClassFixture<MemServeServerFactory>
{
    // Bounded (enums, booleans, null): a random model must finish it well within max_tokens.
    private const string Schema = """
        {"type":"object","properties":{"ok":{"type":"boolean"},"color":{"enum":["red","green","blue"]},
         "tags":{"type":"array","items":{"enum":["a","b"]},"minItems":1,"maxItems":2}},
         "required":["ok","color","tags"],"additionalProperties":false}
        """;

    private readonly MemServeServerFactory _factory;

    public StructuredOutputEndpointTests(MemServeServerFactory factory) => _factory = factory;

    [Fact]
    public async Task Json_schema_answers_validate_against_the_schema()
    {
        ChatClient client = OpenAIClients.Chat(_factory);
        for (int seed = 1; seed <= 3; seed++)
        {
            var options = new ChatCompletionOptions
            {
                ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("item", BinaryData.FromString(Schema), jsonSchemaIsStrict: true),
                Temperature = 1f,
                MaxOutputTokenCount = 120,
#pragma warning disable OPENAI001
                Seed = seed,
#pragma warning restore OPENAI001
            };

            ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("An item, please.")], options);

            Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
            AssertValid(completion.Content[0].Text);
        }
    }

    [Fact]
    public async Task Streamed_json_schema_answer_validates()
    {
        ChatClient client = OpenAIClients.Chat(_factory);
        var options = new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("item", BinaryData.FromString(Schema)),
            MaxOutputTokenCount = 120,
        };
        var text = new StringBuilder();
        ChatFinishReason? finish = null;

        await foreach (StreamingChatCompletionUpdate update in client.CompleteChatStreamingAsync([new UserChatMessage("Stream it.")], options))
        {
            foreach (ChatMessageContentPart part in update.ContentUpdate) text.Append(part.Text);
            finish ??= update.FinishReason;
        }

        Assert.Equal(ChatFinishReason.Stop, finish);
        AssertValid(text.ToString());
    }

    [Fact]
    public async Task Json_object_answers_start_an_object_and_parse_when_finished()
    {
        ChatClient client = OpenAIClients.Chat(_factory);
        var options = new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonObjectFormat(), MaxOutputTokenCount = 48 };

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("JSON please.")], options);

        string text = completion.Content[0].Text;
        Assert.StartsWith("{", text, StringComparison.Ordinal);
        if (completion.FinishReason == ChatFinishReason.Stop) Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(text).RootElement.ValueKind);
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"a date"}],"max_tokens":40,""")]
    [InlineData("/v1/completions", """{"prompt":"a date:","max_tokens":40,""")]
    public async Task A_gbnf_grammar_shapes_the_answer_on_both_endpoints(string path, string start)
    {
        using HttpClient http = _factory.CreateClient();
        string body = start + """ "grammar":"root ::= [0-9]{4} \"-\" (\"0\" [1-9] | \"1\" [0-2])" }""";

        using HttpResponseMessage response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement choice = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0];
        string text = path.Contains("chat", StringComparison.Ordinal) ? choice.GetProperty("message").GetProperty("content").GetString()! : choice.GetProperty("text").GetString()!;
        Assert.Matches("^[0-9]{4}-(0[1-9]|1[0-2])$", text);
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData(""" "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"string","pattern":"a+"}}}""", "response_format.json_schema.schema", "pattern")]
    [InlineData(""" "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"n":{"type":"integer","minimum":1}}}}}""", "response_format.json_schema.schema", "minimum")]
    [InlineData(""" "grammar":"root ::= missing" """, "grammar", "missing")]
    [InlineData(""" "grammar":"root ::= [a-" """, "grammar", "1:")]
    [InlineData(""" "response_format":{"type":"xml"}""", "response_format.type", "xml")]
    [InlineData(""" "response_format":{"type":"json_schema"}""", "response_format.json_schema", "json_schema")]
    [InlineData(""" "response_format":{"type":"json_object"},"grammar":"root ::= \"a\"" """, "grammar", "not both")]
    public async Task Schemas_and_grammars_the_compiler_cannot_handle_get_400_naming_what(string fields, string param, string named)
    {
        using HttpClient http = _factory.CreateClient();
        string body = """{"messages":[{"role":"user","content":"hi"}],"max_tokens":4,""" + fields + "}";

        using HttpResponseMessage response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        JsonElement error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static void AssertValid(string text)
    {
        using JsonDocument document = JsonDocument.Parse(text);
        JsonElement root = document.RootElement;
        Assert.Equal(["ok", "color", "tags"], root.EnumerateObject().Select(p => p.Name));
        Assert.Contains(root.GetProperty("ok").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.Contains(root.GetProperty("color").GetString(), new[] { "red", "green", "blue" });
        int tags = root.GetProperty("tags").GetArrayLength();
        Assert.InRange(tags, 1, 2);
        foreach (JsonElement tag in root.GetProperty("tags").EnumerateArray()) Assert.Contains(tag.GetString(), new[] { "a", "b" });
    }
}
