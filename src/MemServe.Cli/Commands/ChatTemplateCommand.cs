using System.CommandLine;
using MemServe.Chat;
using MemServe.Model;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve chat-template [--tokenizer DIR] --messages FILE.json [--add-generation-prompt] [--json]</c>:
/// renders the tokenizer's chat template (ChatML when it has none) for an OpenAI-style message array and prints
/// the prompt text, or <c>{"text": "..."}</c> with <c>--json</c>. Without <c>--tokenizer</c> (alias <c>--model</c>),
/// the embedded default model's template.
/// </summary>
internal static class ChatTemplateCommand
{
    /// <summary>The <c>chat-template</c> command, writing to <paramref name="output"/>.</summary>
    public static Command Create(TextWriter output)
    {
        Option<string?> tokenizer = TokenizeCommand.TokenizerDirectory();
        Option<string?> messages = CliOptions.ExistingFile("--messages", "FILE.json", "A JSON array of OpenAI-style messages ({\"role\", \"content\"})", required: true);
        Option<bool> addGenerationPrompt = CliOptions.Flag("--add-generation-prompt", "End with the assistant turn's header, as for generation");
        Option<bool> json = EngineOptions.Json("Print {\"text\": \"...\"} instead of the raw prompt text");
        var command = new Command("chat-template", "Render the tokenizer's chat template for a message array")
        {
            tokenizer, messages, addGenerationPrompt, json,
        };
        command.SetAction(r => Run(r.GetValue(tokenizer), r.GetValue(messages)!, r.GetValue(addGenerationPrompt), r.GetValue(json), output));
        return command;
    }

    private static int Run(string? directory, string messagesPath, bool addGenerationPrompt, bool json, TextWriter output)
    {
        List<ChatMessage> messages = ChatMessageJson.ParseArray(File.ReadAllText(messagesPath), messagesPath);
        ChatTemplate template = directory is null ? ChatTemplate.FromConfigJson(DefaultModel.TokenizerConfigJson) : ChatTemplate.Load(directory);
        string text = template.Render(messages, addGenerationPrompt);
        if (json) JsonOut.Line(output, w => w.WriteString("text", text));
        else output.Write(text);
        return 0;
    }
}
