using System.Net;
using System.Text;
using System.Text.Json;
using MemServe.Extensions.OpenAI;

namespace MemServe.Extensions.Tools;

/// <summary>The default model's ChatML template renders no tools, so a request offering tools is refused rather than
/// answered as if they were not there.</summary>
public sealed class ToolsOnTemplateWithoutToolsTests(MemServeServerFactory factory) : IClassFixture<MemServeServerFactory>
{
    [Fact]
    public async Task Tools_get_400_naming_tools()
    {
        using HttpClient http = factory.CreateClient();
        const string body = """{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}]}""";

        using HttpResponseMessage response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("tools", error.RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Tool_choice_none_with_tools_is_answered_without_them()
    {
        using HttpClient http = factory.CreateClient();
        const string body = """{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"none","max_tokens":1}""";

        using HttpResponseMessage response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
