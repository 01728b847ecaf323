using MemServe.Chat;

namespace MemServe.Cli.Commands;

/// <summary>
/// <c>memserve chat-template --tokenizer DIR --messages FILE.json [--add-generation-prompt] [--json]</c>:
/// renders the tokenizer's chat template (ChatML when it has none) for an OpenAI-style message array and prints
/// the prompt text, or <c>{"text": "..."}</c> with <c>--json</c>.
/// </summary>
internal static class ChatTemplateCommand
{
    public static int Run(CliArgs args, TextWriter output)
    {
        string directory = args.Get("tokenizer") ?? args.Require("model");
        string messagesPath = args.Require("messages");
        bool addGenerationPrompt = args.Has("add-generation-prompt");
        bool json = args.Has("json");
        args.ThrowIfUnused();

        List<ChatMessage> messages = ChatMessageJson.ParseArray(File.ReadAllText(messagesPath), messagesPath);
        string text = ChatTemplate.Load(directory).Render(messages, addGenerationPrompt);
        if (json) JsonOut.Line(output, w => w.WriteString("text", text));
        else output.Write(text);
        return 0;
    }
}
