using System.Text;
using MemServe.Core.Tests.Runner;
using MemServe.Engine;
using MemServe.Memory;
using MemServe.Model;
using MemServe.Sampling;

namespace MemServe.Core.Tests.Integration;

/// <summary>The README's "use it from code" snippet, kept compiling and running.</summary>
[Collection(nameof(NativeMemoryCollection))]
public class ReadmeSnippetTests
{
    [Fact]
    public async Task Readme_snippet_streams_text_and_frees_everything()
    {
        long before = NativeMemoryTracker.LiveBytes;
        var text = new StringBuilder();

        // --- README snippet (keep in sync) ---
        using (LoadedModel model = LoadedModel.Default())   // or LoadedModel.FromDirectory("path/to/hf-model")
        {
            await using var engine = LlmEngine.Create(model.Config, model.Weights, model.Tokenizer,
                new LlmEngineOptions { MemoryBudgetBytes = 1L << 30 });

            var request = new GenerationRequest
            {
                Prompt = "The prompt tree remembers",
                MaxTokens = 16,
                Sampling = new SamplingParameters { Temperature = 0.7f, TopP = 0.9f, Seed = 1 },
            };
            await foreach (GenerationUpdate update in engine.GenerateAsync(request))
            {
                text.Append(update.TextDelta);
                if (update.IsFinal) Assert.InRange(update.Usage!.OutputTokens, 1, 16);
            }
        }
        // --- end of snippet ---

        Assert.NotEqual(0, text.Length);
        Assert.Equal(before, NativeMemoryTracker.LiveBytes);
    }
}
