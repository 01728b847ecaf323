using MemServe.Extensions.OpenAI;

namespace MemServe.Extensions.Tools;

/// <summary>The sample server on the default model exported to a temporary folder whose tokenizer_config.json carries
/// Qwen3's real chat template (a template with tool calling); the folder is deleted on dispose.</summary>
public sealed class Qwen3TemplateServer : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "memserve-tools-" + Guid.NewGuid().ToString("N"));

    public Qwen3TemplateServer()
    {
        ToolTestData.ExportDefaultModelWithQwen3Template(_directory);
        Factory = MemServeServerFactory.With(("ModelPath", _directory), ("ModelName", OpenAIClients.Model));
    }

    public MemServeServerFactory Factory { get; }

    public void Dispose()
    {
        Factory.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
