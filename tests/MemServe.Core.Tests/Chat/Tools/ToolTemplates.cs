using MemServe.Chat;

namespace MemServe.Core.Tests.Chat.Tools;

/// <summary>The real chat templates of the three tool-call families (see Chat/ToolTemplates/README.md).</summary>
internal static class ToolTemplates
{
    private static readonly Lazy<ChatTemplate> s_qwen3 = new(() => ChatTemplate.Load(Path.Combine(TestData.Tokenizers, "qwen3")));
    private static readonly Lazy<ChatTemplate> s_llama = new(() => ChatTemplate.Parse(Read("llama-3.2-3b-instruct.jinja"), bosToken: "<|begin_of_text|>", eosToken: "<|eot_id|>"));
    private static readonly Lazy<ChatTemplate> s_mistral = new(() => ChatTemplate.Parse(Read("mistral-nemo-instruct-2407.jinja"), bosToken: "<s>", eosToken: "</s>"));

    /// <summary>Qwen3 (Hermes <c>&lt;tool_call&gt;</c>), from the shared tokenizer.</summary>
    public static ChatTemplate Qwen3 => s_qwen3.Value;

    /// <summary>Llama 3.2 3B Instruct (JSON calls, <c>ipython</c> role).</summary>
    public static ChatTemplate Llama32 => s_llama.Value;

    /// <summary>Mistral Nemo Instruct 2407 (<c>[TOOL_CALLS]</c>).</summary>
    public static ChatTemplate MistralNemo => s_mistral.Value;

    private static string Read(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Chat", "ToolTemplates", name));
}
