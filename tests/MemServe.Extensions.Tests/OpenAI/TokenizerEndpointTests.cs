using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MemServe.Chat;
using MemServe.Engine;
using MemServe.Model;
using Microsoft.Extensions.DependencyInjection;

namespace MemServe.Extensions.OpenAI;

/// <summary><c>/tokenize</c> and <c>/detokenize</c> (vLLM's shapes) against the engine's tokenizer and the chat endpoint.</summary>
public sealed class TokenizerEndpointTests(MemServeServerFactory factory) : IClassFixture<MemServeServerFactory>
{
    private const string Text = "Hello world, the cat sat on the mat.";

    [Fact]
    public async Task Tokenize_Prompt_ReturnsTheTokenizersIdsWithSpecialTokens()
    {
        int[] expected = Engine.Tokenizer.Encode(Text, addSpecialTokens: true);

        using JsonDocument body = await PostOkAsync("/tokenize", new { model = OpenAIClients.Model, prompt = Text });

        Assert.Equal(expected, Ids(body.RootElement.GetProperty("tokens")));
        Assert.Equal(expected.Length, body.RootElement.GetProperty("count").GetInt32());
        Assert.Equal(DefaultModel.MaxPositionEmbeddings, body.RootElement.GetProperty("max_model_len").GetInt32());
    }

    [Fact]
    public async Task Tokenize_PromptWithoutSpecialTokens_ReturnsPlainIds()
    {
        using JsonDocument body = await PostOkAsync("/tokenize", new { prompt = Text, add_special_tokens = false });

        Assert.Equal(Engine.Tokenizer.Encode(Text, addSpecialTokens: false), Ids(body.RootElement.GetProperty("tokens")));
    }

    [Fact]
    public async Task Tokenize_Messages_CountsWhatTheChatEndpointPrefills()
    {
        var messages = new object[] { new { role = "system", content = "Be brief." }, new { role = "user", content = "Name a cat." } };
        using JsonDocument chat = await PostOkAsync("/v1/chat/completions", new { messages, max_tokens = 1 });

        using JsonDocument body = await PostOkAsync("/tokenize", new { messages });

        Assert.Equal(chat.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), body.RootElement.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Tokenize_MessagesWithoutGenerationPrompt_RendersTheTemplateWithoutIt()
    {
        ChatTemplate template = ChatTemplate.FromConfigJson(DefaultModel.TokenizerConfigJson);
        string rendered = template.Render([new ChatMessage("user", "Name a cat.")], addGenerationPrompt: false);

        using JsonDocument body = await PostOkAsync("/tokenize", new
        {
            messages = new[] { new { role = "user", content = "Name a cat." } },
            add_generation_prompt = false,
        });

        Assert.Equal(Engine.Tokenizer.Encode(rendered, addSpecialTokens: false), Ids(body.RootElement.GetProperty("tokens")));
    }

    [Fact]
    public async Task Detokenize_RoundTripsTokenizedText()
    {
        using JsonDocument tokens = await PostOkAsync("/tokenize", new { prompt = Text, add_special_tokens = false });

        using JsonDocument body = await PostOkAsync("/detokenize", new { tokens = Ids(tokens.RootElement.GetProperty("tokens")) });

        Assert.Equal(Text, body.RootElement.GetProperty("prompt").GetString());
    }

    [Fact]
    public async Task Detokenize_IdOutsideTheVocabulary_Is400NamingItsIndex()
    {
        JsonElement error = await PostForErrorAsync("/detokenize", """{"tokens":[1,2,99999999]}""");

        Assert.Equal("tokens[2]", error.GetProperty("param").GetString());
        Assert.Contains("tokens[2] = 99999999", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detokenize_NegativeId_Is400NamingItsIndex()
    {
        JsonElement error = await PostForErrorAsync("/detokenize", """{"tokens":[-1]}""");

        Assert.Equal("tokens[0]", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Detokenize_NonIntegerId_Is400NamingItsIndex()
    {
        JsonElement error = await PostForErrorAsync("/detokenize", """{"tokens":[1,"two"]}""");

        Assert.Equal("tokens[1]", error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("/tokenize", """{"prompt":"x","return_token_strs":true}""", "return_token_strs")]
    [InlineData("/tokenize", """{"messages":[{"role":"user","content":"x"}],"continue_final_message":true}""", "continue_final_message")]
    [InlineData("/detokenize", """{"tokens":[1],"skip_special_tokens":true}""", "skip_special_tokens")]
    public async Task UndeclaredField_Is400UnsupportedParameter(string path, string json, string param)
    {
        JsonElement error = await PostForErrorAsync(path, json);

        Assert.Equal("unsupported_parameter", error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Tokenize_PromptAndMessages_Is400()
    {
        JsonElement error = await PostForErrorAsync("/tokenize", """{"prompt":"x","messages":[{"role":"user","content":"x"}]}""");

        Assert.Equal("messages", error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task Tokenize_UnknownModel_Is404()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.PostAsJsonAsync("/tokenize", new { model = "gpt-9", prompt = "x" });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private ILlmEngine Engine => factory.Services.GetRequiredService<ILlmEngine>();

    private static int[] Ids(JsonElement array)
    {
        var ids = new int[array.GetArrayLength()];
        for (int i = 0; i < ids.Length; i++) ids[i] = array[i].GetInt32();
        return ids;
    }

    private async Task<JsonDocument> PostOkAsync(string path, object body)
    {
        using HttpClient client = factory.CreateClient();
        using HttpResponseMessage response = await client.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text);
    }

    private async Task<JsonElement> PostForErrorAsync(string path, string json)
    {
        using HttpClient client = factory.CreateClient();
        using HttpResponseMessage response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").Clone();
    }
}
